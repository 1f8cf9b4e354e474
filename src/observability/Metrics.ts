import { Context, Effect, Layer } from "effect"

import type { HealthStatus, PassResult, SyncStatus } from "../domain/statusVocabulary.ts"
import { MetricsRegistry } from "./MetricsRegistry.ts"

/**
 * The metrics of one source, as its loop, pass and triggers write them: a view of the
 * process's `MetricsRegistry` that labels every sample with the source's name, and whose
 * "replace" calls replace only that source's samples. `render` and `recordWebhook` are
 * the registry's own (every source, not per source), kept here so code that serves
 * `/metrics` or answers webhooks with just a `Metrics` keeps working.
 */
export class Metrics extends Context.Service<
  Metrics,
  {
    /** The text exposition of every metric (of every source), with its content type. */
    readonly render: Effect.Effect<{ readonly contentType: string; readonly body: string }>
    /** One finished pass: its result, duration and the actions it ran. */
    readonly recordPass: (
      result: PassResult,
      seconds: number,
      actions: ReadonlyArray<{ readonly action: string; readonly outcome: "success" | "failure" }>,
    ) => Effect.Effect<void>
    /** A pass request, by trigger (`poll`, `file`, `webhook:github`, ...). */
    readonly recordTrigger: (trigger: string) => Effect.Effect<void>
    /** A webhook request and how it was answered (`accepted`, ...); not per source. */
    readonly recordWebhook: (provider: string, outcome: string) => Effect.Effect<void>
    /** One git fetch (or clone), and whether it worked. */
    readonly recordGitFetch: (seconds: number, ok: boolean) => Effect.Effect<void>
    /** Replaces the source's per-service sync and health gauges (services that left the manifest disappear). */
    readonly setServices: (
      services: ReadonlyArray<{
        /** The service's fleet (each project is one), as the `fleet` label. */
        readonly fleet: string
        readonly service: string
        readonly sync: SyncStatus
        readonly health: HealthStatus
      }>,
    ) => Effect.Effect<void>
    /** The revision the source now applies (replaces the source's `fleetd_applied_revision_info`). */
    readonly setRevision: (revision: string) => Effect.Effect<void>
    /** The signer --verify-commits accepted for the revision fetched last (replaces the source's `fleetd_revision_signer_info`). */
    readonly setSigner: (signer: {
      readonly format: string
      readonly fingerprint: string
      readonly principal: string
    }) => Effect.Effect<void>
    /** Whether the source is stalled on an invalid revision (one sample, no `fleet`). */
    readonly setStalled: (stalled: boolean) => Effect.Effect<void>
    /** Per fleet, whether this fleetd holds its lease (replaces the source's `fleetd_lease_held` samples). */
    readonly setLeases: (
      leases: ReadonlyArray<{ readonly fleet: string; readonly held: boolean }>,
    ) => Effect.Effect<void>
    /** With projects: per fleet, whether it is stalled (replaces the source's `fleetd_stalled` samples). */
    readonly setStalledFleets: (
      fleets: ReadonlyArray<{ readonly fleet: string; readonly stalled: boolean }>,
    ) => Effect.Effect<void>
  }
>()("fleetd/observability/Metrics") {
  /** The metrics of source `name`, on the process's registry. */
  static readonly layerFor = (name: string): Layer.Layer<Metrics, never, MetricsRegistry> =>
    Layer.effect(
      Metrics,
      Effect.map(MetricsRegistry, (registry) => registry.forSource(name)),
    )

  /** One source, `default` (fleetd run from flags, without a config file), on a registry of its own. */
  static readonly layer: Layer.Layer<Metrics | MetricsRegistry> = Metrics.layerFor("default").pipe(
    Layer.provideMerge(MetricsRegistry.layer),
  )
}
