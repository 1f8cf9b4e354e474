import { Context, Effect, Layer, Ref } from "effect"
import type { FleetStatus, PassStatus } from "../domain/FleetStatus.ts"
import { ManifestSource } from "../source/ManifestSource.ts"
import { describeHolder } from "./leaseDecision.ts"

/** How many finished passes StatusStore remembers for `POST /sync?wait=true`. */
const recentPasses = 16

/** The daemon's current status: written by the loop, read by `/status` and `/ready`. */
export class StatusStore extends Context.Service<
  StatusStore,
  {
    readonly get: Effect.Effect<FleetStatus>
    readonly update: (f: (status: FleetStatus) => FleetStatus) => Effect.Effect<void>
    /** The id of the pass the loop is running (Triggers.begin); undefined outside the loop. */
    readonly passId: Effect.Effect<number | undefined>
    readonly setPassId: (id: number) => Effect.Effect<void>
    /** Records a finished pass, so a waiting `POST /sync` finds it after the next one has begun. */
    readonly passFinished: (pass: PassStatus) => Effect.Effect<void>
    /** The first finished pass whose id is `id` or later (the later one fetched later still). */
    readonly finishedPass: (id: number) => Effect.Effect<PassStatus | undefined>
  }
>()("fleetd/reconciler/StatusStore") {
  static readonly layer = (fleet: string | undefined) =>
    Layer.effect(
      StatusStore,
      Effect.gen(function* () {
        const source = yield* ManifestSource
        const ref = yield* Ref.make<FleetStatus>({
          fleet,
          source: source.describe,
          phase: "Starting",
          engine: { reachable: undefined },
          services: [],
        })
        const passId = yield* Ref.make<number | undefined>(undefined)
        // The last few finished passes, oldest first: a waiter polls, and passes start a
        // second apart at the most, so a handful covers any waiter that is still polling.
        const finished = yield* Ref.make<ReadonlyArray<PassStatus>>([])
        return StatusStore.of({
          get: Ref.get(ref),
          update: (f) => Ref.update(ref, f),
          passId: Ref.get(passId),
          setPassId: (id) => Ref.set(passId, id),
          passFinished: (pass) =>
            pass.id === undefined
              ? Effect.void
              : Ref.update(finished, (list) => [...list, pass].slice(-recentPasses)),
          finishedPass: (id) =>
            Effect.map(Ref.get(finished), (list) => list.find((p) => p.id !== undefined && p.id >= id)),
        })
      }),
    )
}

/** Why the daemon is not ready, or an empty list when it is (`GET /ready`). */
export const notReadyReasons = (status: FleetStatus): ReadonlyArray<string> => {
  const reasons: Array<string> = []
  // A standby applies nothing: it is ready once the engine answered (superviseHandover.ts).
  if (status.phase === "Standby")
    return status.engine.reachable === true ? [] : ["standby: the container engine has not answered yet"]
  if (status.engine.reachable === false)
    reasons.push(`container engine unreachable: ${status.engine.error ?? "unknown error"}`)
  if (status.lastSuccessfulAt === undefined && status.lastAppliedRevision === undefined) {
    reasons.push("no pass has completed yet")
    // Say why, so a repository unreachable at start-up is named on /ready, not only in the
    // log. Once a pass has completed, a source outage leaves the daemon ready (it serves
    // the last revision and retries): /status says it is Failing.
    if (
      status.phase === "Failing" &&
      status.engine.reachable !== false &&
      status.lastPass?.error !== undefined
    )
      reasons.push(`the last pass failed: ${status.lastPass.error}`)
  }
  if (status.stalled !== undefined)
    reasons.push(`stalled at revision ${status.stalled.revision}: ${status.stalled.reason}`)
  for (const lease of status.leases ?? [])
    if (!lease.held)
      reasons.push(
        `waiting for the lease of fleet ${lease.fleet}: held by ${describeHolder(lease.holder)}; it expires at ${lease.expiresAt ?? "?"} unless renewed`,
      )
  return reasons
}
