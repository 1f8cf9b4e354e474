import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Ref } from "effect"
import { TestClock } from "effect/testing"
import type { AwaitedPass } from "../../../src/daemon/awaitPass.ts"
import { awaitPass } from "../../../src/daemon/awaitPass.ts"
import { StatusStore } from "../../../src/daemon/StatusStore.ts"
import { ManifestSource } from "../../../src/source/ManifestSource.ts"

const store = StatusStore.layer("t").pipe(
  Layer.provide(
    Layer.succeed(ManifestSource)({
      describe: { kind: "dir", location: "/nowhere", ref: "-" },
      sync: Effect.die("no source in this test"),
    }),
  ),
)

const finished = (id: number) => ({
  id,
  triggers: ["api"],
  startedAt: "t0",
  finishedAt: "t1",
  result: "success" as const,
})

const idOf = (awaited: AwaitedPass) => (awaited._tag === "Finished" ? awaited.pass.id : awaited._tag)

describe("awaitPass", () => {
  it.effect("gives up when abandon holds first (the daemon is shutting down)", () =>
    Effect.gen(function* () {
      const draining = yield* Ref.make(false)
      const waiter = yield* Effect.forkChild(awaitPass(1, "1 minute", Ref.get(draining)))
      yield* TestClock.adjust("1 second")
      assert.isUndefined(waiter.pollUnsafe())
      yield* Ref.set(draining, true)
      yield* TestClock.adjust("100 millis")
      assert.deepStrictEqual(yield* Fiber.join(waiter), { _tag: "Abandoned" })
    }).pipe(Effect.provide(store)),
  )

  it.effect("gives the pass once it has finished, polling the status store", () =>
    Effect.gen(function* () {
      const status = yield* StatusStore
      const waiter = yield* Effect.forkChild(awaitPass(2, "1 minute"))
      yield* status.passFinished(finished(1))
      yield* TestClock.adjust("1 second")
      assert.isUndefined(waiter.pollUnsafe())
      yield* status.passFinished(finished(2))
      yield* TestClock.adjust("100 millis")
      const pass = yield* Fiber.join(waiter)
      assert.strictEqual(idOf(pass), 2)
    }).pipe(Effect.provide(store)),
  )

  it.effect("is satisfied by a later pass: it began after the one asked for", () =>
    Effect.gen(function* () {
      const status = yield* StatusStore
      yield* status.passFinished(finished(1))
      yield* status.passFinished(finished(4))
      const pass = yield* awaitPass(3, "1 minute")
      assert.strictEqual(idOf(pass), 4)
    }).pipe(Effect.provide(store)),
  )

  it.effect("gives nothing when the timeout passes first", () =>
    Effect.gen(function* () {
      const waiter = yield* Effect.forkChild(awaitPass(1, "10 seconds"))
      yield* TestClock.adjust("9 seconds")
      assert.isUndefined(waiter.pollUnsafe())
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* Fiber.join(waiter), { _tag: "TimedOut" })
    }).pipe(Effect.provide(store)),
  )

  it.effect("remembers only the last 16 passes, and none without an id", () =>
    Effect.gen(function* () {
      const status = yield* StatusStore
      for (let id = 1; id <= 20; id++) yield* status.passFinished(finished(id))
      yield* status.passFinished({ triggers: ["poll"], startedAt: "t0" })
      assert.strictEqual((yield* status.finishedPass(1))?.id, 5)
      assert.strictEqual((yield* status.finishedPass(20))?.id, 20)
      assert.isUndefined(yield* status.finishedPass(21))
    }).pipe(Effect.provide(store)),
  )
})
