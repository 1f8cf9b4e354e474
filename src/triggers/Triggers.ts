import { Context, Duration, Effect, Layer, Queue, Ref } from "effect"
import { Metrics } from "../observability/Metrics.ts"

/**
 * Where a pass request came from: `startup`, `poll`, `file`, `webhook:<provider>`, `api`,
 * `retry`. Logged and counted (`fleetd_triggers_total{trigger}`); a pass never
 * branches on it.
 */
export type TriggerSource = string

/**
 * The one place pass requests meet. Triggers only *request* a pass; the loop awaits
 * requests between passes, so any number of requests made during a pass collapse into
 * exactly one follow-up pass, and a request cuts the idle wait short.
 *
 * Passes are numbered here, 1, 2, 3 ... in the order they start (`begin`). A request
 * is told the number of the next pass to start: that pass starts after the request
 * (it fetches what was pushed before it), whether it is the one the request woke or
 * the follow-up of a pass already running. `POST /sync?wait=true` waits for it.
 */
export class Triggers extends Context.Service<
  Triggers,
  {
    /**
     * Asks for a pass (and counts it in `fleetd_triggers_total`); returns at once, with
     * the id of the pass that will include this request (the next one to begin).
     */
    readonly request: (source: TriggerSource) => Effect.Effect<number>
    /** The loop is starting a pass: gives its id (one more than the last). */
    readonly begin: Effect.Effect<number>
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
      // The id of the last pass begun (0: none yet).
      const started = yield* Ref.make(0)
      return Triggers.of({
        // The id is read before the request is queued: the pass it names begins after
        // this moment, and begins for sure (either it has begun since, or the queued
        // request makes the loop start it).
        request: (source) =>
          Effect.map(Ref.get(started), (id) => id + 1).pipe(
            Effect.tap(Ref.update(pending, (s) => new Set(s).add(source))),
            Effect.tap(Queue.offer(signal, undefined)),
            Effect.tap(metrics.recordTrigger(source)),
          ),
        begin: Ref.updateAndGet(started, (id) => id + 1),
        await: (idle) =>
          Queue.take(signal).pipe(
            Effect.timeoutOption(Duration.fromInputUnsafe(idle)),
            Effect.andThen(drain),
          ),
      })
    }),
  )
}
