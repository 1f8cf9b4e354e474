import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { makeFleetLease } from "../../../src/daemon/FleetLease.ts"
import type { ObservedResource } from "../../../src/domain/ObservedState.ts"
import { ContainerEngine } from "../../../src/engine/ContainerEngine.ts"
import { emptyWorld, type FakeWorld, fakeEngineLayer } from "../../support/FakeEngine.ts"

/** Two or more fleetd processes on one (fake) engine, each with its own lease object. */
const processes = (world: FakeWorld, ...commands: ReadonlyArray<"run" | "apply">) =>
  Effect.all(commands.map((command) => makeFleetLease({ ttl: Duration.seconds(30), command }))).pipe(
    Effect.provide(fakeEngineLayer(world)),
  )

const leaseVolumes = (world: FakeWorld) =>
  [...world.volumes.keys()].filter((n) => n.startsWith("fleetd-lease-"))

describe("the fleet lease", () => {
  it.effect("one process takes it, the other waits and is told who holds it", () =>
    Effect.gen(function* () {
      const world = emptyWorld()
      const [a, b] = yield* processes(world, "run", "apply")
      assert.deepStrictEqual(yield* a!.lease.acquire("web"), { _tag: "Held" })
      const waiting = yield* b!.lease.acquire("web")
      assert.strictEqual(waiting._tag, "Waiting")
      if (waiting._tag === "Waiting") assert.deepStrictEqual(waiting.holder, a!.lease.me)
      const [view] = yield* b!.lease.views
      assert.strictEqual(view?.held, false)
      assert.strictEqual(view?.holder.command, "run")
      // Another fleet is another lease.
      assert.deepStrictEqual(yield* b!.lease.acquire("db"), { _tag: "Held" })
    }),
  )

  it.effect("a holder that renews keeps it however long the other waits", () =>
    Effect.gen(function* () {
      const world = emptyWorld()
      const [a, b] = yield* processes(world, "run", "run")
      yield* a!.lease.acquire("web")
      for (let i = 0; i < 12; i++) {
        yield* TestClock.adjust("10 seconds")
        yield* a!.renewAll
        assert.strictEqual((yield* b!.lease.acquire("web"))._tag, "Waiting")
      }
      // Renewals replace records instead of piling them up.
      assert.isAtMost(leaseVolumes(world).length, 2)
    }),
  )

  it.effect("a holder killed without releasing loses it once its expiry has passed, not before", () =>
    Effect.gen(function* () {
      const world = emptyWorld()
      const [a, b] = yield* processes(world, "run", "run")
      yield* a!.lease.acquire("web")
      // b sees a's record; a is then killed (it renews no more).
      assert.strictEqual((yield* b!.lease.acquire("web"))._tag, "Waiting")
      yield* TestClock.adjust("29 seconds")
      assert.strictEqual((yield* b!.lease.acquire("web"))._tag, "Waiting")
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* b!.lease.acquire("web"), { _tag: "Held" })
      // a, should it come back, finds out on its next renewal and waits.
      yield* a!.renewAll
      assert.strictEqual((yield* a!.lease.acquire("web"))._tag, "Waiting")
      assert.deepStrictEqual((yield* a!.lease.views)[0]?.holder, b!.lease.me)
    }),
  )

  it.effect("a released lease is taken at once", () =>
    Effect.gen(function* () {
      const world = emptyWorld()
      const [a, b] = yield* processes(world, "apply", "run")
      yield* a!.lease.acquire("web")
      assert.strictEqual((yield* b!.lease.acquire("web"))._tag, "Waiting")
      yield* a!.releaseAll
      assert.deepStrictEqual(yield* b!.lease.acquire("web"), { _tag: "Held" })
      assert.deepStrictEqual(yield* a!.lease.views, [])
    }),
  )

  it.effect("two waiters breaking one expired lease: exactly one takes it", () =>
    Effect.gen(function* () {
      const world = emptyWorld()
      const [dead, b, c] = yield* processes(world, "run", "run", "run")
      yield* dead!.lease.acquire("web")
      yield* b!.lease.acquire("web")
      yield* c!.lease.acquire("web")
      yield* TestClock.adjust("31 seconds")
      const results = yield* Effect.all([b!.lease.acquire("web"), c!.lease.acquire("web")], {
        concurrency: "unbounded",
      })
      assert.deepStrictEqual(results.map((r) => r._tag).sort(), ["Held", "Waiting"])
    }),
  )
})

describe("losing the fleet lease", () => {
  it.effect("ends the holding when another took over, so a running pass stops", () =>
    Effect.gen(function* () {
      const world = emptyWorld()
      const [a, b] = yield* processes(world, "run", "run")
      yield* a!.lease.acquire("web")
      const ended = yield* Effect.forkChild(a!.lease.lost("web"))
      yield* b!.lease.acquire("web")
      yield* TestClock.adjust("31 seconds") // a froze: no renewal
      assert.deepStrictEqual(yield* b!.lease.acquire("web"), { _tag: "Held" })
      assert.isUndefined(ended.pollUnsafe())
      yield* a!.renewAll // a wakes up, finds b's record
      yield* Fiber.join(ended)
    }),
  )

  it.effect(
    "ends the holding once renewals have failed for two thirds of the expiry, before a waiter may take it",
    () =>
      Effect.gen(function* () {
        const world = emptyWorld()
        const [a] = yield* processes(world, "run")
        yield* a!.lease.acquire("web")
        const ended = yield* Effect.forkChild(a!.lease.lost("web"))
        world.unavailableFor = 1_000_000
        yield* TestClock.adjust("10 seconds")
        yield* a!.renewAll
        assert.isUndefined(ended.pollUnsafe())
        yield* TestClock.adjust("10 seconds")
        yield* a!.renewAll
        yield* Fiber.join(ended)
        assert.deepStrictEqual(yield* a!.lease.views, [])
      }),
  )

  it.effect("completes at once for a fleet this process does not hold", () =>
    Effect.gen(function* () {
      const [a] = yield* processes(emptyWorld(), "run")
      yield* a!.lease.lost("web")
    }),
  )
})

describe("breaking a lease is race-free", () => {
  it.effect(
    "a waiter that decided on a stale listing and creates a pruned name gives up on seeing the newer record",
    () =>
      Effect.gen(function* () {
        const world = emptyWorld()
        const [a] = yield* processes(world, "run")
        yield* a!.lease.acquire("web") // record 1
        // b lists now, sees record 1 of a, and is then paused for longer than the expiry.
        const stale = [...world.volumes.values()]
        const [b] = yield* makeFleetLease({ ttl: Duration.seconds(30), command: "run" }).pipe(
          Effect.map((made) => [made]),
          Effect.provide(staleOnce(world, stale)),
        )
        assert.strictEqual((yield* b!.lease.acquire("web"))._tag, "Waiting")
        // Meanwhile a renewed twice: record 3 is a's, record 2 already pruned.
        for (let i = 0; i < 2; i++) {
          yield* TestClock.adjust("10 seconds")
          yield* a!.renewAll
        }
        assert.deepStrictEqual(leaseVolumes(world), ["fleetd-lease-web-3"])
        // b resumes on its stale listing (record 1, seen 31 s ago): expired, so it creates
        // record 2, which nobody holds any more, and wins that name...
        yield* TestClock.adjust("11 seconds")
        const attempt = yield* b!.lease.acquire("web")
        // ...but its check finds a's newer record 3: it waits, and leaves no record behind.
        assert.strictEqual(attempt._tag, "Waiting")
        assert.deepStrictEqual(leaseVolumes(world), ["fleetd-lease-web-3"])
        assert.deepStrictEqual(yield* a!.lease.acquire("web"), { _tag: "Held" })
      }),
  )
})

/**
 * The fake engine, except that its first two volume listings answer with `stale`: a
 * process paused between its listing and what it does next.
 */
const staleOnce = (world: FakeWorld, stale: ReadonlyArray<ObservedResource>) =>
  Layer.effect(
    ContainerEngine,
    Effect.gen(function* () {
      const inner = yield* ContainerEngine
      // The first listing is b's wait; the second is the one it resumes on.
      let staleAnswers = 2
      return ContainerEngine.of({
        ...inner,
        listVolumesLabelled: (key, value) =>
          staleAnswers-- > 0
            ? Effect.succeed(stale.filter((v) => v.labels[key] === value))
            : inner.listVolumesLabelled(key, value),
      })
    }),
  ).pipe(Layer.provide(fakeEngineLayer(world)))
