import { Effect, Layer } from "effect"
import type { DaemonSettings } from "../../src/config/DaemonConfig.ts"
import type { FleetLease } from "../../src/daemon/FleetLease.ts"
import type { RunningSource } from "../../src/daemon/RunningSource.ts"
import { Sources } from "../../src/daemon/Sources.ts"
import { StatusStore } from "../../src/daemon/StatusStore.ts"
import { Metrics } from "../../src/observability/Metrics.ts"
import { Triggers } from "../../src/triggers/Triggers.ts"

/** A lease service that holds nothing: the HTTP routes only read its views. */
const noLeases = {
  views: Effect.succeed([]),
} as unknown as FleetLease["Service"]

/**
 * Sources holding one source over the Triggers and StatusStore below it, for tests of the
 * HTTP routes with a stand-in loop: the source is what the daemon runs from flags.
 */
export const oneSource = (settings: DaemonSettings, name = "default", webhookRepository?: string) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const source: RunningSource = {
        name,
        configured: { name, settings, webhookRepository, prune: false },
        triggers: yield* Triggers,
        status: yield* StatusStore,
        lease: noLeases,
        metrics: yield* Metrics,
        history: { record: () => Effect.void, read: Effect.succeed([]) },
        alive: Effect.succeed(true),
        halt: Effect.void,
        stop: Effect.void,
      }
      yield* (yield* Sources).set([source])
    }),
  ).pipe(Layer.provideMerge(Sources.layer(undefined)))
