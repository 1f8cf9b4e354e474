import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { boundEngine } from "../../../src/engine/BoundedEngine.ts"
import type { ContainerEngine } from "../../../src/engine/ContainerEngine.ts"

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
