import { Context, Duration, Effect, Layer, Queue, Ref } from "effect"
import { Metrics } from "../observability/Metrics.ts"

/**
 * Where a pass request came from: `startup`, `poll`, `file`, `webhook:<provider>`,
 * `retry`. Logged and counted (`fleetd_triggers_total{source}`); a pass never
 * branches on it.
 */
export type TriggerSource = string

/**
 * The one place pass requests meet. Triggers only *request* a pass; the loop awaits
 * requests between passes, so any number of requests made during a pass collapse into
 * exactly one follow-up pass, and a request cuts the idle wait short.
 */
export class Triggers extends Context.Service<
  Triggers,
  {
    /** Asks for a pass (and counts it in `fleetd_triggers_total`); returns at once. */
    readonly request: (source: TriggerSource) => Effect.Effect<void>
    /** Waits until a pass is requested or `idle` has passed; gives the requesting sources (empty on timeout). */
    readonly await: (idle: Duration.Input) => Effect.Effect<ReadonlyArray<TriggerSource>>
  }
>()("fleetd/triggers/Triggers") {
  static readonly layer = Layer.effect(
    Triggers,
    Effect.gen(function* () {
      const metrics = yield* Metrics
      // A one-slot wake-up signal plus the set of sources that asked since the last await.
      const signal = yield* Queue.dropping<void>(1)
      const pending = yield* Ref.make<ReadonlySet<TriggerSource>>(new Set())
      const drain = Ref.getAndSet(pending, new Set<TriggerSource>()).pipe(Effect.map((s) => [...s]))
      return Triggers.of({
        request: (source) =>
          Ref.update(pending, (s) => new Set(s).add(source)).pipe(
            Effect.andThen(Queue.offer(signal, undefined)),
            Effect.andThen(metrics.recordTrigger(source)),
          ),
        await: (idle) =>
          Queue.take(signal).pipe(
            Effect.timeoutOption(Duration.fromInputUnsafe(idle)),
            Effect.andThen(drain),
          ),
      })
    }),
  )
}
