import { Context, Effect, Layer } from "effect"
import type { DaemonSettings } from "../../src/config/DaemonConfig.ts"
import type { FleetLease } from "../../src/daemon/FleetLease.ts"
import type { RunningSource } from "../../src/daemon/RunningSource.ts"
import { Sources } from "../../src/daemon/Sources.ts"
import { StatusStore } from "../../src/daemon/StatusStore.ts"
import { Metrics } from "../../src/observability/Metrics.ts"
import { ManifestSource } from "../../src/source/ManifestSource.ts"
import { Triggers } from "../../src/triggers/Triggers.ts"

/** A lease service that holds nothing: the HTTP routes only read its views. */
const noLeases = {
  views: Effect.succeed([]),
} as unknown as FleetLease["Service"]

/** A RunningSource over the given services, with no lease, history or loop of its own. */
const standIn = (
  configured: RunningSource["configured"],
  services: Pick<RunningSource, "triggers" | "status" | "metrics">,
): RunningSource => ({
  name: configured.name,
  configured,
  ...services,
  lease: noLeases,
  history: { record: () => Effect.void, read: Effect.succeed([]) },
  alive: Effect.succeed(true),
  halt: Effect.void,
  stop: Effect.void,
})

/**
 * Sources holding one source over the Triggers and StatusStore below it, for tests of the
 * HTTP routes with a stand-in loop: the source is what the daemon runs from flags.
 */
export const oneSource = (settings: DaemonSettings, name = "default", webhookRepository?: string) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const source = standIn(
        { name, settings, webhookRepository, prune: false },
        { triggers: yield* Triggers, status: yield* StatusStore, metrics: yield* Metrics },
      )
      yield* (yield* Sources).set([source])
    }),
  ).pipe(Layer.provideMerge(Sources.layer(undefined)))

/** A source for `manySources`: its settings and the repository it answers to. */
export interface TestSource {
  readonly name: string
  readonly settings: DaemonSettings
  readonly webhookRepository?: string
}

/**
 * Sources holding several sources, each with real Triggers and StatusStore of its own, as
 * a daemon run from a config file (`file`) has them; `requested` records each source's
 * pass requests as `<source>:<trigger>`.
 */
export const manySources = (
  sources: ReadonlyArray<TestSource>,
  requested: Array<string>,
  file = "fleetd.yaml",
) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const running: Array<RunningSource> = []
      for (const s of sources) {
        const manifests = Layer.succeed(ManifestSource)({
          describe: { kind: "git", location: `file:///${s.name}`, ref: "main" },
          sync: Effect.die("no source in this test"),
        })
        const context = yield* Layer.build(
          Layer.mergeAll(Triggers.layer, StatusStore.layer(s.name).pipe(Layer.provide(manifests))),
        )
        const triggers = Context.get(context, Triggers)
        running.push(
          standIn(
            { name: s.name, settings: s.settings, webhookRepository: s.webhookRepository, prune: false },
            {
              triggers: {
                ...triggers,
                request: (trigger) =>
                  Effect.andThen(
                    Effect.sync(() => requested.push(`${s.name}:${trigger}`)),
                    triggers.request(trigger),
                  ),
              },
              status: Context.get(context, StatusStore),
              metrics: yield* Metrics,
            },
          ),
        )
      }
      yield* (yield* Sources).set(running)
    }),
  ).pipe(Layer.provideMerge(Sources.layer(file)))
