import { Duration, Effect, type Option } from "effect"
import type { PassStatus } from "../domain/FleetStatus.ts"
import { StatusStore } from "./StatusStore.ts"

/**
 * Waits until pass `id` (or a later one, which began later still) has finished and
 * gives it; none when `timeout` passes first. The status store is polled: a pass takes
 * a second at the least, so a tenth of a second adds little, and nothing is left
 * subscribed when a waiter goes away.
 */
export const awaitPass = (
  id: number,
  timeout: Duration.Input,
  poll: Duration.Input = Duration.millis(100),
): Effect.Effect<Option.Option<PassStatus>, never, StatusStore> =>
  Effect.gen(function* () {
    const store = yield* StatusStore
    for (;;) {
      const finished = yield* store.finishedPass(id)
      if (finished !== undefined) return finished
      yield* Effect.sleep(poll)
    }
  }).pipe(Effect.timeoutOption(timeout))
