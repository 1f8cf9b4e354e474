import { Clock, Duration, Effect } from "effect"
import { FleetLease, type LeaseAttempt } from "./FleetLease.ts"

/** How often a waiter asks again: often enough that a takeover follows an expiry within a second. */
const pollMillis = (ttlMs: number) => Math.max(100, Math.min(1000, ttlMs / 10))

/**
 * Takes the fleet's lease, asking again until `maxWait` has passed. `onWaiting` runs once,
 * when the first attempt finds another holder (to say who). Gives the last attempt:
 * `Held`, or `Waiting` when the wait ran out.
 */
export const waitForLease = Effect.fnUntraced(function* (
  fleet: string,
  maxWait: Duration.Duration,
  onWaiting: (waiting: Extract<LeaseAttempt, { _tag: "Waiting" }>) => Effect.Effect<void>,
) {
  const lease = yield* FleetLease
  const deadline = (yield* Clock.currentTimeMillis) + Duration.toMillis(maxWait)
  let told = false
  for (;;) {
    const attempt: LeaseAttempt = yield* lease.acquire(fleet)
    if (attempt._tag === "Held") return attempt
    if (!told) {
      told = true
      yield* onWaiting(attempt)
    }
    const left = deadline - (yield* Clock.currentTimeMillis)
    if (left <= 0) return attempt
    yield* Effect.sleep(Duration.millis(Math.min(left, pollMillis(lease.ttlMs))))
  }
})
