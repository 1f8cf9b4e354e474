import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Ref } from "effect"
import { StatusStore } from "../../src/daemon/StatusStore.ts"
import { superviseHandover } from "../../src/daemon/superviseHandover.ts"
import type { DesiredService } from "../../src/domain/DesiredState.ts"
import type { FleetStatus } from "../../src/domain/FleetStatus.ts"
import { type HandoverPlan, parseHandoverPlan, StandbyVariable } from "../../src/domain/handover.ts"
import { fleetdReadyCommand } from "../../src/reconciler/fleetdReady.ts"
import { type ReconcileOptions, reconcile } from "../../src/reconciler/reconcile.ts"
import { emptyWorld, type FakeWorld, fakeEngineLayer, mutatingCalls } from "../support/FakeEngine.ts"
import { desired, imageIds, service } from "../support/fixtures.ts"

/** Self-update (docs/self-update.md) on the in-memory engine: both halves of a handover. */
const options: ReconcileOptions = { revision: "rev1", allowEmpty: false, concurrency: 4 }
const v2 = "fleetd-test/app:v2"
const healthcheck = { test: ["CMD", "true"], intervalNs: 1e8 }
const fleetd = (image = "fleetd-test/app:v1"): DesiredService =>
  service(
    "fleetd",
    {
      image,
      restart: "unless-stopped",
      ports: [{ target: 8080, protocol: "tcp", published: 8080 }],
      healthcheck,
    },
    { self: true, update: { healthTimeoutMs: 1_000, minReadyMs: 100, rollback: true } },
  )
const web = service("web", {}, { update: { healthTimeoutMs: 1_000, minReadyMs: 0, rollback: true } })

const world = (): FakeWorld => {
  const w = emptyWorld()
  w.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
  return w
}
const pass = (w: FakeWorld, services: ReadonlyArray<DesiredService>, opts: ReconcileOptions = options) =>
  reconcile(desired(services), opts).pipe(Effect.provide(fakeEngineLayer(w)))
const names = (w: FakeWorld) => w.containers.map((c) => `${c.name}:${c.state}`).sort()
const named = (w: FakeWorld, name: string) => w.containers.find((c) => c.name === name)

/** The plan the old fleetd gave its standby, read back from the standby's environment. */
const planOf = (w: FakeWorld): HandoverPlan => {
  const raw = named(w, "t-fleetd--standby")?.spec?.env.find((e) => e.startsWith(`${StandbyVariable}=`))
  const plan = parseHandoverPlan(raw?.slice(StandbyVariable.length + 1) ?? "")
  if (typeof plan === "string") throw new Error(plan)
  return plan
}

const supervise = (w: FakeWorld, plan: HandoverPlan) =>
  Effect.gen(function* () {
    const ref = yield* Ref.make<FleetStatus>({
      fleet: "t",
      source: { kind: "git", location: "x", ref: "main" },
      phase: "Starting",
      engine: { reachable: undefined },
      services: [],
    })
    const store = Layer.succeed(StatusStore)({
      get: Ref.get(ref),
      update: (f) => Ref.update(ref, f),
      passId: Effect.succeed(undefined),
      setPassId: () => Effect.void,
      passFinished: () => Effect.void,
      finishedPass: () => Effect.succeed(undefined),
    })
    yield* superviseHandover(plan).pipe(Effect.provide(Layer.merge(store, fakeEngineLayer(w))))
    return yield* Ref.get(ref)
  })

/** Deploys v1, then plans v2: the old fleetd's half, up to its commit. */
const committed = (w: FakeWorld) =>
  Effect.gen(function* () {
    yield* pass(w, [fleetd(), web])
    return yield* pass(w, [fleetd(v2), web])
  })

describe("self-update: the old fleetd's half", () => {
  it.live("starts a standby without host ports, prepares --next and commits by renaming itself --prev", () =>
    Effect.gen(function* () {
      const w = world()
      const applied = yield* committed(w)
      assert.isTrue(applied.handedOver)
      assert.strictEqual(applied.changes.services.find((s) => s.service === "fleetd")?.outcome, "replaced")
      assert.deepStrictEqual(names(w), [
        "t-fleetd--next:created",
        "t-fleetd--prev:running",
        "t-fleetd--standby:running",
        "t-web:running",
      ])
      const standby = named(w, "t-fleetd--standby")
      assert.deepStrictEqual(standby?.spec?.ports, [])
      assert.strictEqual(standby?.spec?.restart, "unless-stopped")
      assert.strictEqual(named(w, "t-fleetd--next")?.spec?.ports[0]?.published, 8080)
      assert.strictEqual(planOf(w).old, named(w, "t-fleetd--prev")?.id)
      // Whoever plans while the standby is in charge leaves the service alone.
      const again = yield* pass(w, [fleetd(v2), web])
      assert.strictEqual(again.changes.services.find((s) => s.service === "fleetd")?.outcome, "unchanged")
      assert.isFalse(again.handedOver)
    }),
  )

  it.live("removes a standby that never says it is ready, keeps the old one and holds the spec", () =>
    Effect.gen(function* () {
      const w = world()
      w.steps.set(fleetdReadyCommand.join(" "), { exitCode: 1, output: "not ready: phase Starting" })
      w.behaviours.set(v2, { logs: "standby: cannot read its settings" })
      yield* pass(w, [fleetd(), web])
      const applied = yield* pass(w, [fleetd(v2), web])
      const result = applied.changes.services.find((s) => s.service === "fleetd")
      assert.strictEqual(result?.outcome, "rolled-back")
      assert.match(result?.reason ?? "", /did not become ready as a standby: not ready within 1s/)
      assert.strictEqual(result?.logs, "standby: cannot read its settings")
      assert.deepStrictEqual(names(w), ["t-fleetd:running", "t-web:running"])
      assert.isTrue(applied.rolledBack.has("fleetd"))
      assert.isFalse(applied.handedOver)
    }),
  )
})

describe("self-update: the standby's half", () => {
  it.live("stops the old one, starts the new one under the name, then removes the old one and itself", () =>
    Effect.gen(function* () {
      const w = world()
      yield* committed(w)
      const old = named(w, "t-fleetd--prev")?.id
      const status = yield* supervise(w, planOf(w))
      assert.strictEqual(status.phase, "Standby")
      assert.deepStrictEqual(names(w), ["t-fleetd:running", "t-web:running"])
      assert.notStrictEqual(named(w, "t-fleetd")?.id, old)
      assert.strictEqual(named(w, "t-fleetd")?.spec?.image, v2)
      assert.isTrue(
        w.calls.indexOf("stopContainer t-fleetd--prev") < w.calls.indexOf("startContainer t-fleetd"),
      )
    }),
  )

  it.live("puts the old one back when the new one fails, and the old one reports it and holds the spec", () =>
    Effect.gen(function* () {
      const w = world()
      yield* committed(w)
      const old = named(w, "t-fleetd--prev")?.id
      // From here on v2 runs as the daemon: it exits at once.
      w.behaviours.set(v2, { exitAt: 1, logs: "broken fleetd: refusing to start" })
      yield* supervise(w, planOf(w))
      assert.deepStrictEqual(names(w), ["t-fleetd--rolledback:exited", "t-fleetd:running", "t-web:running"])
      assert.strictEqual(named(w, "t-fleetd")?.id, old)
      const reported = yield* pass(w, [fleetd(v2), web])
      const result = reported.changes.services.find((s) => s.service === "fleetd")
      assert.strictEqual(result?.outcome, "rolled-back")
      assert.match(result?.reason ?? "", /did not become ready/)
      assert.isTrue(reported.rolledBack.has("fleetd"))
      assert.deepStrictEqual(names(w), ["t-fleetd:running", "t-web:running"])
      const held = yield* pass(w, [fleetd(v2), web], {
        ...options,
        held: new Map([["fleetd", { specHash: reported.rolledBack.get("fleetd") ?? "", revision: "rev1" }]]),
      })
      assert.strictEqual(held.changes.services.find((s) => s.service === "fleetd")?.outcome, "held")
    }),
  )

  it.live("restarted half-way through a rollback, finishes it", () =>
    Effect.gen(function* () {
      const w = world()
      yield* committed(w)
      const plan = planOf(w)
      // Killed right after renaming itself: the old one is still --prev and stopped.
      const standby = named(w, "t-fleetd--standby")
      if (standby !== undefined) standby.name = "t-fleetd--rolledback"
      const prev = named(w, "t-fleetd--prev")
      if (prev !== undefined) prev.state = "exited"
      yield* supervise(w, plan)
      assert.deepStrictEqual(names(w), ["t-fleetd--rolledback:exited", "t-fleetd:running", "t-web:running"])
      assert.strictEqual(named(w, "t-fleetd")?.id, plan.old)
    }),
  )
})

/** Runs `effect` dying before its mutating call number `cut`; true when it died. */
const cutAt = <A, E>(w: FakeWorld, cut: number, effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    w.crashAfterMutations = mutatingCalls(w).length + cut
    const exit = yield* Effect.exit(effect)
    w.crashAfterMutations = undefined
    return exit._tag === "Failure"
  })

/** Whoever runs next: the old fleetd's pass (restarted), and the standby (restarted) while one is there. */
const recover = (w: FakeWorld) =>
  Effect.gen(function* () {
    for (let round = 0; round < 4; round++) {
      const standby = named(w, "t-fleetd--standby")
      if (standby !== undefined && named(w, "t-fleetd--prev") !== undefined) {
        // A committed handover: the standby (restarted by its policy) finishes it.
        standby.state = "running"
        yield* supervise(w, planOf(w))
        continue
      }
      const applied = yield* pass(w, [fleetd(v2), web])
      if (!applied.handedOver) return
    }
  })

describe("self-update: killed at every step", () => {
  it.live("the old fleetd killed anywhere in its half: the next process converges on the new fleetd", () =>
    Effect.gen(function* () {
      for (let cut = 0; ; cut++) {
        const w = world()
        yield* pass(w, [fleetd(), web])
        const died = yield* cutAt(w, cut, pass(w, [fleetd(v2), web]))
        yield* recover(w)
        assert.deepStrictEqual(names(w), ["t-fleetd:running", "t-web:running"], `killed before call ${cut}`)
        assert.strictEqual(named(w, "t-fleetd")?.spec?.image, v2, `killed before call ${cut}`)
        if (!died) {
          // Every mutating call of the old fleetd's half was a kill point.
          assert.isAtLeast(cut, 5)
          return
        }
      }
    }),
  )

  for (const broken of [false, true])
    it.live(
      `the standby killed anywhere in its half (${broken ? "a failing" : "a good"} new fleetd): restarted, it finishes`,
      () =>
        Effect.gen(function* () {
          for (let cut = 0; ; cut++) {
            const w = world()
            yield* committed(w)
            const plan = planOf(w)
            if (broken) w.behaviours.set(v2, { exitAt: 1, logs: "broken fleetd" })
            const died = yield* cutAt(w, cut, supervise(w, plan))
            // Restarted by its policy, under whichever name it had reached.
            const again = named(w, "t-fleetd--standby") ?? named(w, "t-fleetd--rolledback")
            if (died && again !== undefined) {
              again.state = "running"
              yield* supervise(w, plan)
            }
            const expected = broken
              ? ["t-fleetd--rolledback:exited", "t-fleetd:running", "t-web:running"]
              : ["t-fleetd:running", "t-web:running"]
            assert.deepStrictEqual(names(w), expected, `killed before call ${cut}`)
            assert.strictEqual(named(w, "t-fleetd")?.id === plan.old, broken, `killed before call ${cut}`)
            if (!died) {
              assert.isAtLeast(cut, broken ? 6 : 5)
              return
            }
          }
        }),
    )
})
