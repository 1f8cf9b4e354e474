import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { ContainerSpec } from "../../src/domain/ContainerSpec.ts"
import type { Dependency, DesiredState } from "../../src/domain/DesiredState.ts"
import { plan } from "../../src/planner/plan.ts"
import type { ChangeSet } from "../../src/reconciler/ChangeSet.ts"
import { observe, reconcile } from "../../src/reconciler/reconcile.ts"
import { serviceStatuses } from "../../src/reconciler/serviceStatuses.ts"
import { emptyWorld, type FakeWorld, fakeEngineLayer, mutatingCalls } from "../support/FakeEngine.ts"
import { desired, imageIds, service } from "../support/fixtures.ts"

/**
 * Compose semantics of one-shot services: a job (restart "no" or "on-failure") that
 * exited on its own has run; it is reported with its exit code and runs again only
 * when its spec changes.
 */
const options = { revision: "rev1", allowEmpty: false, concurrency: 4 }
const jobImage = "fleetd-test/job:v1"

/** Containers of the job image exit with `exitCode` at their `exitAt`-th inspection. */
const world = (exitCode: number, exitAt = 1): FakeWorld => {
  const w = emptyWorld()
  w.images = [
    ...Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] })),
    { id: "sha256:job", refs: [jobImage] },
  ]
  w.behaviours.set(jobImage, { exitAt, exitCode })
  return w
}

const job = (overrides: Partial<ContainerSpec> = {}) => service("job", { image: jobImage, ...overrides })

const pass = (w: FakeWorld, state: DesiredState) =>
  reconcile(state, options).pipe(Effect.provide(fakeEngineLayer(w)))

const result = (changes: ChangeSet, name: string) => changes.services.find((s) => s.service === name)
const names = (w: FakeWorld) => w.containers.map((c) => `${c.name}:${c.state}`).sort()
const onJob = (condition: Dependency["condition"]): ReadonlyArray<Dependency> => [
  { service: "job", condition, required: true },
]

/** The job, and `web` waiting for it with `service_completed_successfully`. */
const jobAndDependent = desired([
  job(),
  service("web", {}, { dependsOn: onJob("service_completed_successfully") }),
])
const outcomes = (changes: ChangeSet) => changes.services.map((s) => `${s.service}:${s.outcome}`)

describe("jobs", () => {
  it.effect("runs a job once: later passes report it Completed with exit code 0 and start nothing", () =>
    Effect.gen(function* () {
      const w = world(0)
      const state = desired([job()])
      const first = yield* pass(w, state)
      assert.strictEqual(result(first.changes, "job")?.outcome, "created")
      assert.deepStrictEqual(names(w), ["t-job:exited"])
      w.calls.length = 0
      const second = yield* pass(w, state)
      assert.deepInclude(result(second.changes, "job"), { outcome: "completed", exitCode: 0 })
      assert.deepStrictEqual(mutatingCalls(w), [])
      const [status] = serviceStatuses(state, second.observed.containers, second.changes, [], "now")
      assert.deepInclude(status, { sync: "Synced", health: "Completed", exitCode: 0 })
    }),
  )

  it.effect("reports a failed job with its exit code and does not start it again", () =>
    Effect.gen(function* () {
      const w = world(3)
      const state = desired([job()])
      const first = yield* pass(w, state)
      assert.deepInclude(result(first.changes, "job"), { outcome: "failed" })
      assert.match(result(first.changes, "job")?.reason ?? "", /exit code 3/)
      w.calls.length = 0
      const second = yield* pass(w, state)
      assert.deepInclude(result(second.changes, "job"), { outcome: "failed", exitCode: 3 })
      assert.match(result(second.changes, "job")?.reason ?? "", /exited with code 3; not run again/)
      assert.deepStrictEqual(mutatingCalls(w), [])
      const [status] = serviceStatuses(state, second.observed.containers, second.changes, [], "now")
      assert.deepInclude(status, { sync: "Failed", exitCode: 3 })
    }),
  )

  it.effect("runs a completed job again when its spec changes", () =>
    Effect.gen(function* () {
      const w = world(0)
      yield* pass(w, desired([job({ env: ["RUN=1"] })]))
      w.calls.length = 0
      const changed = yield* pass(w, desired([job({ env: ["RUN=2"] })]))
      assert.deepInclude(result(changed.changes, "job"), { outcome: "replaced" })
      assert.deepStrictEqual(mutatingCalls(w), [
        "createContainer t-job--next",
        "startContainer t-job--next",
        "renameContainer t-job t-job--prev",
        "renameContainer t-job--next t-job",
        "removeContainer t-job--prev",
      ])
      assert.deepStrictEqual(names(w), ["t-job:exited"])
      assert.strictEqual(w.containers[0]?.spec?.env[0], "RUN=2")
    }),
  )

  it.live("starts a service_completed_successfully dependent only once the job exited 0", () =>
    Effect.gen(function* () {
      // The job still runs when its own gate passes (min_ready 0) and exits at its third inspection.
      const w = world(0, 3)
      const state = jobAndDependent
      const { changes } = yield* pass(w, state)
      assert.deepStrictEqual(outcomes(changes), ["job:created", "web:created"])
      const inspections = w.calls.filter((c) => c === "inspectContainer t-job").length
      assert.isAtLeast(inspections, 2)
      const exitedBefore = w.calls.lastIndexOf("inspectContainer t-job")
      assert.isBelow(exitedBefore, w.calls.indexOf("createContainer t-web--next"))
    }),
  )

  it.effect("does not start a service_completed_successfully dependent of a failed job", () =>
    Effect.gen(function* () {
      const w = world(4)
      const state = jobAndDependent
      const { changes } = yield* pass(w, state)
      assert.strictEqual(result(changes, "job")?.outcome, "failed")
      assert.deepInclude(result(changes, "web"), {
        outcome: "failed",
        reason: "not changed: its dependency job failed",
      })
      assert.deepStrictEqual(names(w), ["t-job:exited"])
    }),
  )

  it.effect("creates a dependent of a job that completed on an earlier pass", () =>
    Effect.gen(function* () {
      const w = world(0)
      yield* pass(w, desired([job()]))
      const state = jobAndDependent
      const { changes } = yield* pass(w, state)
      assert.deepStrictEqual(outcomes(changes), ["job:completed", "web:created"])
    }),
  )

  it.effect("starts a job container stopped from outside (exit 137) again, as drift", () =>
    Effect.gen(function* () {
      const w = world(0, 100)
      const state = desired([job()])
      yield* pass(w, state)
      const c = w.containers[0]
      if (c !== undefined) Object.assign(c, { state: "exited", exitCode: 137 })
      const { changes } = yield* pass(w, state)
      assert.strictEqual(result(changes, "job")?.outcome, "started")
    }),
  )

  it.effect("replaces a network_mode: host service stop-first", () =>
    Effect.gen(function* () {
      const w = world(0)
      yield* pass(w, desired([service("web", { networkMode: "host", env: ["A=1"] })]))
      w.calls.length = 0
      yield* pass(w, desired([service("web", { networkMode: "host", env: ["A=2"] })]))
      assert.deepStrictEqual(mutatingCalls(w), [
        "createContainer t-web--next",
        "stopContainer t-web",
        "startContainer t-web--next",
        "renameContainer t-web t-web--prev",
        "renameContainer t-web--next t-web",
        "removeContainer t-web--prev",
      ])
    }),
  )

  it.effect("re-runs a changed job from any crash point, with no duplicate and no leftover", () =>
    Effect.gen(function* () {
      const before = desired([job({ env: ["RUN=1"] })])
      const changed = desired([job({ env: ["RUN=2"] })])
      for (let cut = 0; cut < 5; cut++) {
        const w = world(0)
        yield* pass(w, before)
        w.calls.length = 0
        w.crashAfterMutations = cut
        const crashed = yield* Effect.exit(pass(w, changed))
        assert.isTrue(crashed._tag === "Failure", `the pass died after ${cut} mutations`)
        w.crashAfterMutations = undefined
        yield* pass(w, changed)
        assert.deepStrictEqual(names(w), ["t-job:exited"], `cut after ${cut}`)
        assert.strictEqual(w.containers[0]?.spec?.env[0], "RUN=2")
        const final = yield* observe("t").pipe(Effect.provide(fakeEngineLayer(w)))
        assert.deepStrictEqual(
          plan(changed, final).actions.map((a) => a._tag),
          ["Completed"],
          `cut after ${cut}`,
        )
      }
    }),
  )
})
