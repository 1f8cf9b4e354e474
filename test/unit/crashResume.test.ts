import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { DesiredService, HookStep, ServiceHooks } from "../../src/domain/DesiredState.ts"
import { plan } from "../../src/planner/plan.ts"
import { observe, type ReconcileOptions, reconcile } from "../../src/reconciler/reconcile.ts"
import {
  emptyWorld,
  type FakeBehaviour,
  type FakeWorld,
  fakeEngineLayer,
  mutatingCalls,
} from "../support/FakeEngine.ts"
import { desired, imageIds, service } from "../support/fixtures.ts"

/**
 * fleetd killed at every mutating step of a rollout (and again at every step of the pass
 * that resumes it): the pass after converges to exactly one container, the new release
 * when it is good and the old one, running, when it is not; post_deploy steps recorded
 * as done do not run again.
 */
const options: ReconcileOptions = { revision: "rev1", allowEmpty: false, concurrency: 4 }
const v1 = "fleetd-test/app:v1"
const v2 = "fleetd-test/app:v2"
const ports = [{ target: 80, protocol: "tcp", published: 8080 }] as const
const exec = (...command: Array<string>): HookStep => ({ kind: "exec", command, timeoutMs: 1_000 })

const world = (): FakeWorld => {
  const w = emptyWorld()
  w.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
  return w
}

const web = (image: string, stopFirst: boolean, hooks: ServiceHooks): DesiredService =>
  service(
    "web",
    { image, ...(stopFirst ? { ports } : {}) },
    { update: { healthTimeoutMs: 1_000, minReadyMs: 50, rollback: true }, hooks },
  )

const pass = (w: FakeWorld, svc: DesiredService) =>
  reconcile(desired([svc]), options).pipe(Effect.provide(fakeEngineLayer(w)))

/** A pass that dies before its mutating call number `cut` (none: it runs to the end). */
const passCut = (w: FakeWorld, svc: DesiredService, cut: number | undefined) =>
  Effect.gen(function* () {
    w.crashAfterMutations = cut === undefined ? undefined : mutatingCalls(w).length + cut
    const exit = yield* Effect.exit(pass(w, svc))
    w.crashAfterMutations = undefined
    return exit._tag === "Failure"
  })

const scenarios: ReadonlyArray<{
  readonly name: string
  readonly behaviour?: FakeBehaviour
  readonly stopFirst: boolean
  readonly hooks: ServiceHooks
  readonly good: boolean
}> = [
  { name: "good release, start-first", stopFirst: false, hooks: {}, good: true },
  { name: "good release, stop-first", stopFirst: true, hooks: {}, good: true },
  {
    name: "good release with two post_deploy steps",
    stopFirst: false,
    hooks: { post_deploy: [exec("warm"), exec("check")] },
    good: true,
  },
  {
    name: "crash-looping release, start-first",
    behaviour: { restartAt: 2 },
    stopFirst: false,
    hooks: {},
    good: false,
  },
  {
    name: "crash-looping release, stop-first",
    behaviour: { exitAt: 2 },
    stopFirst: true,
    hooks: {},
    good: false,
  },
  {
    name: "release whose post_deploy fails, stop-first",
    stopFirst: true,
    hooks: { post_deploy: [exec("warm"), exec("fail")] },
    good: false,
  },
]

describe("a rollout killed at any step resumes on the next pass", () => {
  for (const s of scenarios)
    it.live(
      `${s.name}: every crash point, and every crash point of the resuming pass`,
      () =>
        Effect.gen(function* () {
          const before = web(v1, s.stopFirst, {})
          const after = web(v2, s.stopFirst, s.hooks)
          // How many mutating calls the uninterrupted rollout makes: every cut below that.
          const probe = world()
          if (s.behaviour) probe.behaviours.set(v2, s.behaviour)
          probe.steps.set("fail", { exitCode: 1 })
          yield* pass(probe, before)
          const start = mutatingCalls(probe).length
          yield* pass(probe, after)
          const total = mutatingCalls(probe).length - start
          for (let cut = 0; cut < total; cut++)
            for (const second of [undefined, 0, 2]) {
              const w = world()
              if (s.behaviour) w.behaviours.set(v2, s.behaviour)
              w.steps.set("fail", { exitCode: 1 })
              yield* pass(w, before)
              const at = `cut ${cut}, then ${second ?? "no"} cut`
              assert.isTrue(yield* passCut(w, after, cut), `${at}: the first pass died`)
              yield* passCut(w, after, second)
              yield* passCut(w, after, undefined)
              const left = w.containers.map((c) => `${c.name}:${c.state}:${c.spec?.image}`)
              assert.deepStrictEqual(left, [`t-web:running:${s.good ? v2 : v1}`], at)
              if (s.good) {
                // The next pass changes nothing: the release passed its gate and its hooks.
                const final = yield* observe("t").pipe(Effect.provide(fakeEngineLayer(w)))
                assert.deepStrictEqual(
                  plan(desired([after]), final).actions.map((a) => a._tag),
                  ["Unchanged"],
                  at,
                )
                for (const step of s.hooks.post_deploy ?? []) {
                  const command = step.kind === "exec" ? step.command.join(" ") : ""
                  const runs = w.calls.filter((c) => c.endsWith(` ${command}`) && c.startsWith("exec")).length
                  assert.isAtLeast(runs, 1, `${at}: ${command} ran`)
                }
              }
            }
        }),
      { timeout: 120_000 },
    )

  it.live("a post_deploy step recorded as done is not run again", () =>
    Effect.gen(function* () {
      const hooks = { post_deploy: [exec("warm"), exec("check"), exec("done")] }
      let found = false
      for (let cut = 0; cut < 20 && !found; cut++) {
        const w = world()
        yield* pass(w, web(v1, false, {}))
        yield* passCut(w, web(v2, false, hooks), cut)
        // Killed right after the rename that records "warm" and "check" as done.
        if (!w.containers.some((c) => c.name === "t-web--prev-2")) continue
        found = true
        const before = w.calls.length
        yield* pass(w, web(v2, false, hooks))
        const resumed = w.calls.slice(before).filter((c) => c.startsWith("exec"))
        assert.deepStrictEqual(resumed, ["exec t-web done"])
        assert.deepStrictEqual(
          w.containers.map((c) => c.name),
          ["t-web"],
        )
      }
      assert.isTrue(found, "some crash point leaves t-web--prev-2")
    }),
  )

  it.live("a resumed rollout that rolls back is reported for the daemon to hold, like a replacement", () =>
    Effect.gen(function* () {
      const w = world()
      w.behaviours.set(v2, { exitAt: 2 })
      yield* pass(w, web(v1, false, {}))
      // Killed once the trial runs (create, start): the gate is what remains.
      yield* passCut(w, web(v2, false, {}), 2)
      assert.deepStrictEqual(
        w.containers.map((c) => c.name),
        ["t-web", "t-web--next"],
      )
      const resumed = yield* pass(w, web(v2, false, {}))
      assert.strictEqual(resumed.changes.services[0]?.outcome, "rolled-back")
      assert.deepStrictEqual([...resumed.rolledBack.keys()], ["web"])
    }),
  )
})
