import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { boundEngine } from "../../../src/engine/BoundedEngine.ts"
import { ContainerEngine } from "../../../src/engine/ContainerEngine.ts"
import { runAction } from "../../../src/reconciler/runAction.ts"

/** An engine whose start and inspect take a while and record how many run at once. */
const slowEngine = () => {
  const peak = { start: 0, inspect: 0 }
  let running = { start: 0, inspect: 0 }
  const slow = (kind: "start" | "inspect") =>
    Effect.acquireUseRelease(
      Effect.sync(() => {
        running = { ...running, [kind]: running[kind] + 1 }
        peak[kind] = Math.max(peak[kind], running[kind])
      }),
      () => Effect.sleep("20 millis"),
      () => Effect.sync(() => (running = { ...running, [kind]: running[kind] - 1 })),
    )
  const engine = {
    startContainer: () => slow("start"),
    inspectContainer: () => slow("inspect"),
  } as unknown as ContainerEngine["Service"]
  return { engine, peak }
}

describe("boundEngine", () => {
  it.live("runs at most `permits` changing calls at once, across callers; reads are not bounded", () =>
    Effect.gen(function* () {
      const { engine, peak } = slowEngine()
      const bounded = yield* boundEngine(engine, 2)
      yield* Effect.all(
        Array.from({ length: 6 }, (_, i) =>
          i % 2 === 0 ? bounded.startContainer(`c${i}`) : bounded.inspectContainer(`c${i}`),
        ),
        { concurrency: "unbounded", discard: true },
      )
      yield* Effect.all(
        Array.from({ length: 5 }, (_, i) => bounded.startContainer(`d${i}`)),
        { concurrency: "unbounded", discard: true },
      )
      expect(peak.start).toBe(2)
      expect(peak.inspect).toBe(3)
    }),
  )
})

describe("runAction behind boundEngine", () => {
  it.live(
    "a pass interrupted while actions queue for a permit stops after the running one: queued actions never touch the engine",
    () =>
      Effect.gen(function* () {
        const calls: Array<string> = []
        const engine = {
          stopContainer: (id: string) =>
            Effect.sync(() => calls.push(`stop ${id}`)).pipe(Effect.andThen(Effect.sleep("100 millis"))),
          removeContainer: (id: string) => Effect.sync(() => calls.push(`remove ${id}`)),
        } as unknown as ContainerEngine["Service"]
        const bounded = yield* boundEngine(engine, 1)
        const remove = (id: string) =>
          runAction("shop", "rev", {
            _tag: "Remove",
            service: id,
            containerId: id,
            containerName: `shop-${id}`,
            reason: "orphan",
          })
        const pass = yield* Effect.forkChild(
          Effect.all(["a", "b", "c", "d"].map(remove), { concurrency: "unbounded", discard: true }).pipe(
            Effect.provideService(ContainerEngine, bounded),
          ),
        )
        yield* Effect.sleep("30 millis")
        yield* Fiber.interrupt(pass)
        // The action that had its permit ran to its end, uninterruptible; no other started.
        expect(calls).toEqual(["stop a", "remove a"])
        yield* Effect.sleep("150 millis")
        expect(calls).toEqual(["stop a", "remove a"])
      }),
  )
})
