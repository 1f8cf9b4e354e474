import { Clock, Duration, Effect } from "effect"
import { SwarmEngine } from "../engine/swarm/SwarmEngine.ts"
import { retryEngine } from "./retryEngine.ts"

/** How a Swarm update ended, as far as fleetd waited for it. */
export type UpdateEnd =
  | { readonly _tag: "Completed" }
  | { readonly _tag: "RolledBack"; readonly message?: string }
  | { readonly _tag: "Paused"; readonly message?: string }
  /** The deadline passed first: the update goes on; the next pass reads how it ended. */
  | { readonly _tag: "Pending"; readonly state?: string }

const poll = Duration.seconds(1)

/**
 * Waits for the update fleetd just sent to settle: `completed`, `rollback_completed`,
 * `paused` or `rollback_paused`. Swarm starts the rollout a moment after the update
 * call returns, so the status of an earlier update may still be showing: only a status
 * with another `StartedAt` than the one seen before the update is this update's.
 * Bounded by `deadlineMs` (swarmUpdateDeadline.ts); each poll is one short call and the
 * sleep between is interruptible, so SIGTERM never waits for a rollout.
 */
export const awaitSwarmUpdate = Effect.fnUntraced(function* (
  id: string,
  startedBefore: string | undefined,
  deadlineMs: number,
) {
  const swarm = yield* SwarmEngine
  const until = (yield* Clock.currentTimeMillis) + deadlineMs
  for (;;) {
    const service = yield* retryEngine(swarm.inspectService(id))
    const ours = service.updateStartedAt !== undefined && service.updateStartedAt !== startedBefore
    const message = service.updateMessage === undefined ? {} : { message: service.updateMessage }
    if (ours)
      switch (service.updateState) {
        case "completed":
          return { _tag: "Completed" } satisfies UpdateEnd as UpdateEnd
        case "rollback_completed":
          return { _tag: "RolledBack", ...message } satisfies UpdateEnd as UpdateEnd
        case "paused":
        case "rollback_paused":
          return { _tag: "Paused", ...message } satisfies UpdateEnd as UpdateEnd
      }
    if ((yield* Clock.currentTimeMillis) >= until)
      return {
        _tag: "Pending",
        ...(service.updateState === undefined ? {} : { state: service.updateState }),
      } satisfies UpdateEnd as UpdateEnd
    yield* Effect.sleep(poll)
  }
})
