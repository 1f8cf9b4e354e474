import { Context, Effect, Layer } from "effect"
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client"

import {
  type HealthStatus,
  healthStates,
  type PassResult,
  type SyncStatus,
  syncStates,
} from "../domain/statusVocabulary.ts"

/**
 * fleetd's Prometheus metrics, on a registry of its own (never prom-client's global
 * one). Names and labels are documented in docs/metrics.md; label values are bounded
 * (service names come from the manifest, providers and results from fixed sets).
 */
export class Metrics extends Context.Service<
  Metrics,
  {
    /** The text exposition of every metric, with its content type. */
    readonly render: Effect.Effect<{ readonly contentType: string; readonly body: string }>
    /** One finished pass: its result, duration and the actions it ran. */
    readonly recordPass: (
      result: PassResult,
      seconds: number,
      actions: ReadonlyArray<{ readonly action: string; readonly outcome: "success" | "failure" }>,
    ) => Effect.Effect<void>
    /** A pass request, by source (`poll`, `file`, `webhook:github`, ...). */
    readonly recordTrigger: (source: string) => Effect.Effect<void>
    /** A webhook request and how it was answered (`accepted`, `ignored`, `unauthorized`, ...). */
    readonly recordWebhook: (provider: string, outcome: string) => Effect.Effect<void>
    /** One git fetch (or clone), and whether it worked. */
    readonly recordGitFetch: (seconds: number, ok: boolean) => Effect.Effect<void>
    /** Replaces the per-service sync and health gauges (services that left the manifest disappear). */
    readonly setServices: (
      services: ReadonlyArray<{
        /** The service's fleet (each project is one), as the `fleet` label. */
        readonly fleet: string
        readonly service: string
        readonly sync: SyncStatus
        readonly health: HealthStatus
      }>,
    ) => Effect.Effect<void>
    /** The revision now applied. */
    readonly setRevision: (revision: string) => Effect.Effect<void>
    /** Whether the fleet is stalled on an invalid revision. */
    readonly setStalled: (stalled: boolean) => Effect.Effect<void>
    /** Per fleet, whether this fleetd holds its lease (replaces every `fleetd_lease_held` sample). */
    readonly setLeases: (
      leases: ReadonlyArray<{ readonly fleet: string; readonly held: boolean }>,
    ) => Effect.Effect<void>
    /** With projects: per fleet, whether it is stalled (replaces every `fleetd_stalled` sample). */
    readonly setStalledFleets: (
      fleets: ReadonlyArray<{ readonly fleet: string; readonly stalled: boolean }>,
    ) => Effect.Effect<void>
  }
>()("fleetd/observability/Metrics") {
  static readonly layer = Layer.sync(Metrics, () => {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry })
    const registers = [registry]
    const reconcileTotal = new Counter({
      name: "fleetd_reconcile_total",
      help: "Reconcile passes, by result.",
      labelNames: ["result"],
      registers,
    })
    const reconcileDuration = new Histogram({
      name: "fleetd_reconcile_duration_seconds",
      help: "Duration of reconcile passes.",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    })
    const actionsTotal = new Counter({
      name: "fleetd_actions_total",
      help: "Engine actions run by passes, by action and outcome.",
      labelNames: ["action", "outcome"],
      registers,
    })
    const lastSuccess = new Gauge({
      name: "fleetd_last_successful_reconcile_timestamp_seconds",
      help: "Unix time of the last pass that converged every service.",
      registers,
    })
    const revisionInfo = new Gauge({
      name: "fleetd_applied_revision_info",
      help: "The revision last applied (value 1, revision in a label).",
      labelNames: ["revision"],
      registers,
    })
    const stalledGauge = new Gauge({
      name: "fleetd_stalled",
      help: "1 while the fleet is stalled on an invalid revision, else 0 (with projects, per fleet).",
      labelNames: ["fleet"],
      registers,
    })
    const leaseHeld = new Gauge({
      name: "fleetd_lease_held",
      help: "1 while this fleetd holds the fleet's lease, 0 while it waits for another fleetd to let go.",
      labelNames: ["fleet"],
      registers,
    })
    const serviceSync = new Gauge({
      name: "fleetd_service_sync_status",
      help: "1 for each service's current sync status, 0 for the others.",
      labelNames: ["fleet", "service", "status"],
      registers,
    })
    const serviceHealth = new Gauge({
      name: "fleetd_service_health_status",
      help: "1 for each service's current health, 0 for the others.",
      labelNames: ["fleet", "service", "status"],
      registers,
    })
    const triggersTotal = new Counter({
      name: "fleetd_triggers_total",
      help: "Pass requests, by source.",
      labelNames: ["source"],
      registers,
    })
    const webhookTotal = new Counter({
      name: "fleetd_webhook_requests_total",
      help: "Webhook requests, by provider and how they were answered.",
      labelNames: ["provider", "outcome"],
      registers,
    })
    const gitFetchDuration = new Histogram({
      name: "fleetd_git_fetch_duration_seconds",
      help: "Duration of git fetches (and the first clone).",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    })
    const gitFetchErrors = new Counter({
      name: "fleetd_git_fetch_errors_total",
      help: "Git fetches that failed.",
      registers,
    })
    stalledGauge.set(0)

    return Metrics.of({
      render: Effect.promise(async () => ({
        contentType: registry.contentType,
        body: await registry.metrics(),
      })),
      recordPass: (result, seconds, actions) =>
        Effect.sync(() => {
          reconcileTotal.inc({ result })
          reconcileDuration.observe(seconds)
          for (const a of actions) actionsTotal.inc({ action: a.action, outcome: a.outcome })
          if (result === "success") lastSuccess.set(Date.now() / 1000)
        }),
      recordTrigger: (source) => Effect.sync(() => triggersTotal.inc({ source })),
      recordWebhook: (provider, outcome) => Effect.sync(() => webhookTotal.inc({ provider, outcome })),
      recordGitFetch: (seconds, ok) =>
        Effect.sync(() => {
          gitFetchDuration.observe(seconds)
          if (!ok) gitFetchErrors.inc()
        }),
      setServices: (services) =>
        Effect.sync(() => {
          serviceSync.reset()
          serviceHealth.reset()
          for (const s of services) {
            for (const status of syncStates)
              serviceSync.set({ fleet: s.fleet, service: s.service, status }, status === s.sync ? 1 : 0)
            for (const status of healthStates)
              serviceHealth.set({ fleet: s.fleet, service: s.service, status }, status === s.health ? 1 : 0)
          }
        }),
      setRevision: (revision) =>
        Effect.sync(() => {
          revisionInfo.reset()
          revisionInfo.set({ revision }, 1)
        }),
      setStalled: (stalled) => Effect.sync(() => stalledGauge.set(stalled ? 1 : 0)),
      setLeases: (leases) =>
        Effect.sync(() => {
          leaseHeld.reset()
          for (const l of leases) leaseHeld.set({ fleet: l.fleet }, l.held ? 1 : 0)
        }),
      setStalledFleets: (fleets) =>
        Effect.sync(() => {
          stalledGauge.reset()
          for (const f of fleets) stalledGauge.set({ fleet: f.fleet }, f.stalled ? 1 : 0)
        }),
    })
  })
}
