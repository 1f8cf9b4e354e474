import { Effect, Layer, Semaphore } from "effect"
import { ContainerEngine } from "./ContainerEngine.ts"
import { mutatingMethods } from "./CountingEngine.ts"

type Engine = ContainerEngine["Service"]

/**
 * One bound on the engine work of every source of a daemon (`concurrency:` of the
 * config file): each call that changes the engine's state takes one of `permits` for its
 * duration. Reads are not bounded: a health gate polling must never wait behind another
 * source's pull. A call holds a permit only while it runs and never calls the engine
 * through this service again, so sources cannot deadlock on one another.
 */
export const boundEngine = (inner: Engine, permits: number): Effect.Effect<Engine> =>
  Effect.map(Semaphore.make(Math.max(1, permits)), (semaphore) => {
    const bounded: Record<string, unknown> = { ...inner }
    for (const method of mutatingMethods) {
      const call = inner[method] as (...args: ReadonlyArray<unknown>) => Effect.Effect<unknown, unknown>
      bounded[method] = (...args: ReadonlyArray<unknown>) => semaphore.withPermits(1)(call(...args))
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
