import { Effect, Layer, Option, Semaphore } from "effect"
import { ActionProgress } from "./ActionProgress.ts"
import { ContainerEngine } from "./ContainerEngine.ts"
import { mutatingMethods } from "./CountingEngine.ts"

type Engine = ContainerEngine["Service"]

/**
 * One bound on the engine work of every source of a daemon (`concurrency:` of the
 * config file): each call that changes the engine's state takes one of `permits` for its
 * duration. Reads are not bounded: a health gate polling must never wait behind another
 * source's pull. A call holds a permit only while it runs and never calls the engine
 * through this service again, so sources cannot deadlock on one another.
 *
 * The wait for a permit is interruptible for the first change of a container action that
 * has not started yet (ActionProgress), even inside that uninterruptible action: nothing
 * has happened, so a shutdown may drop it.
 */
export const boundEngine = (inner: Engine, permits: number): Effect.Effect<Engine> =>
  Effect.map(Semaphore.make(Math.max(1, permits)), (semaphore) => {
    const bounded: Record<string, unknown> = { ...inner }
    for (const method of mutatingMethods) {
      const call = inner[method] as (...args: ReadonlyArray<unknown>) => Effect.Effect<unknown, unknown>
      bounded[method] = (...args: ReadonlyArray<unknown>) =>
        Effect.flatMap(Effect.serviceOption(ActionProgress), (progress) => {
          const action = Option.getOrUndefined(progress)
          const take =
            action === undefined || action.started
              ? semaphore.take(1)
              : Effect.interruptible(semaphore.take(1)).pipe(
                  Effect.andThen(
                    Effect.sync(() => {
                      action.started = true
                    }),
                  ),
                )
          return Effect.acquireUseRelease(
            take,
            () => call(...args),
            () => semaphore.release(1),
          )
        })
    }
    return ContainerEngine.of(bounded as unknown as Engine)
  })

/** Decorates the ContainerEngine below it with `boundEngine`. */
export const BoundedEngine = {
  layer: (permits: number) =>
    Layer.effect(
      ContainerEngine,
      Effect.gen(function* () {
        return yield* boundEngine(yield* ContainerEngine, permits)
      }),
    ),
} as const
