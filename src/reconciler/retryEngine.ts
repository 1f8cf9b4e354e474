import { Effect, Schedule } from "effect"
import { type EngineError, isRetryable } from "../engine/EngineError.ts"

/**
 * Backoff for one engine call: exponential from 200 ms, capped at 5 s, jittered, five
 * retries. Only `Unavailable` is retried: a conflict or a missing image will not fix
 * itself within a pass, and retrying it would only delay the report.
 */
const schedule = Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("5 seconds")]).pipe(
  Schedule.jittered,
  Schedule.upTo({ times: 5 }),
  Schedule.setInputType<EngineError>(),
  Schedule.while(({ input }) => isRetryable(input)),
)

export const retryEngine = <A, R>(
  effect: Effect.Effect<A, EngineError, R>,
): Effect.Effect<A, EngineError, R> => Effect.retry(effect, schedule)
