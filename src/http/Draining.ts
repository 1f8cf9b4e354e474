import { Context, Effect, Layer, Ref } from "effect"

/**
 * The daemon's shutdown flag. Once set, webhooks answer 503 so a forge retries
 * later (against the next process) instead of being told a pass was queued that
 * will never run. Set it first thing on SIGTERM, before waiting for the current
 * engine action to finish.
 */
export class Draining extends Context.Service<
  Draining,
  {
    /** Starts draining; idempotent, never undone. */
    readonly start: Effect.Effect<void>
    /** Whether the daemon is shutting down. */
    readonly isDraining: Effect.Effect<boolean>
  }
>()("fleetd/http/Draining") {
  static readonly layer = Layer.effect(
    Draining,
    Effect.map(Ref.make(false), (flag) =>
      Draining.of({ start: Ref.set(flag, true), isDraining: Ref.get(flag) }),
    ),
  )

  /**
   * Sets the flag when the scope this layer is built in closes (SIGTERM under
   * `Layer.launch`). Finalizers run in reverse build order, so build this after
   * (on top of) the loop layer: then the flag is up before the loop's finalizer
   * waits for the current action.
   */
  static readonly startOnShutdown = Layer.effectDiscard(
    Effect.gen(function* () {
      const draining = yield* Draining
      yield* Effect.addFinalizer(() => draining.start)
    }),
  )
}
