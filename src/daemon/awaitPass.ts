import { Duration, Effect, Option } from "effect"
import type { PassStatus } from "../domain/FleetStatus.ts"
import { StatusStore } from "./StatusStore.ts"

/** How a wait for a pass ended. */
export type AwaitedPass =
  | { readonly _tag: "Finished"; readonly pass: PassStatus }
  | { readonly _tag: "TimedOut" }
  /** `abandon` held before the pass finished (the daemon is shutting down: it may never run). */
  | { readonly _tag: "Abandoned" }

/**
 * Waits until pass `id` (or a later one, which began later still) has finished and
 * gives it, unless `timeout` passes or `abandon` holds first. The status store is
 * polled: a pass takes a second at the least, so a tenth of a second adds little, and
 * nothing is left subscribed when a waiter goes away.
 */
export const awaitPass = (
  id: number,
  timeout: Duration.Input,
  abandon: Effect.Effect<boolean> = Effect.succeed(false),
  poll: Duration.Input = Duration.millis(100),
): Effect.Effect<AwaitedPass, never, StatusStore> =>
  Effect.gen(function* () {
    const store = yield* StatusStore
    for (;;) {
      const finished = yield* store.finishedPass(id)
      if (finished !== undefined) return { _tag: "Finished", pass: finished } as const
      if (yield* abandon) return { _tag: "Abandoned" } as const
      yield* Effect.sleep(poll)
    }
  }).pipe(
    Effect.timeoutOption(timeout),
    Effect.map(Option.getOrElse((): AwaitedPass => ({ _tag: "TimedOut" }))),
  )
