import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { DesiredState } from "../../src/domain/DesiredState.ts"
import { Labels } from "../../src/domain/labels.ts"
import { plan } from "../../src/planner/plan.ts"
import { observe, reconcile } from "../../src/reconciler/reconcile.ts"
import { emptyWorld, type FakeWorld, fakeEngineLayer, mutatingCalls } from "../support/FakeEngine.ts"
import { desired, imageIds, service } from "../support/fixtures.ts"

/** `container_name`: a fixed name, owned by labels like any other, replaced stop-first. */
const options = { revision: "rev1", allowEmpty: false, concurrency: 4 }
const named = (env: string, extra = {}) =>
  service("db", { env: [env] }, { containerName: "postgres", fixedName: true, ...extra })

const world = (): FakeWorld => {
  const w = emptyWorld()
  w.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
  return w
}
const pass = (w: FakeWorld, state: DesiredState) =>
  reconcile(state, options).pipe(
    Effect.map((r) => r.changes),
    Effect.provide(fakeEngineLayer(w)),
  )
const names = (w: FakeWorld) => w.containers.map((c) => `${c.name}:${c.state}`).sort()

describe("container_name", () => {
  it.effect("creates the container under its fixed name and replaces it stop-first under that name", () =>
    Effect.gen(function* () {
      const w = world()
      const first = yield* pass(w, desired([named("A=1")]))
      assert.deepInclude(first.services[0], { outcome: "created", container: "postgres" })
      assert.strictEqual(w.containers[0]?.labels[Labels.service], "db")
      w.calls.length = 0
      const second = yield* pass(w, desired([named("A=2")]))
      assert.deepInclude(second.services[0], { outcome: "replaced", container: "postgres" })
      assert.deepStrictEqual(mutatingCalls(w), [
        "createContainer postgres--next",
        "stopContainer postgres",
        "startContainer postgres--next",
        "renameContainer postgres postgres--prev",
        "renameContainer postgres--next postgres",
        "removeContainer postgres--prev",
      ])
      assert.deepStrictEqual(names(w), ["postgres:running"])
    }),
  )

  it.effect("fails only that service when an unmanaged container holds the name", () =>
    Effect.gen(function* () {
      const w = world()
      w.containers.push({
        id: "x",
        name: "postgres",
        labels: {},
        state: "running",
        imageId: "sha256:aaaa",
        spec: undefined,
      })
      const changes = yield* pass(w, desired([named("A=1"), service("web")]))
      const db = changes.services.find((s) => s.service === "db")
      assert.strictEqual(db?.outcome, "failed")
      assert.match(
        db?.reason ?? "",
        /the container name postgres is taken by a container fleetd does not manage/,
      )
      assert.strictEqual(changes.services.find((s) => s.service === "web")?.outcome, "created")
      assert.deepStrictEqual(w.containers.find((c) => c.id === "x")?.labels, {})
    }),
  )

  it.effect("names the fleet whose container holds the name, and leaves that container alone", () =>
    Effect.gen(function* () {
      const w = world()
      const theirs = { "fleetd.fleet": "other", "fleetd.service": "db" }
      w.containers.push({
        id: "y",
        name: "postgres",
        labels: theirs,
        state: "running",
        imageId: "sha256:aaaa",
        spec: undefined,
      })
      const changes = yield* pass(w, desired([named("A=1")]))
      const db = changes.services.find((s) => s.service === "db")
      assert.strictEqual(db?.outcome, "failed")
      assert.match(
        db?.reason ?? "",
        /the container name postgres is taken by a container of fleet other, which another fleetd source, project or process manages .*give one of the two services another container_name/,
      )
      const holder = w.containers.find((c) => c.id === "y")
      assert.deepStrictEqual([holder?.state, holder?.labels], ["running", theirs])
      assert.deepStrictEqual(names(w), ["postgres:running"])
    }),
  )

  it.effect("removes the old container when the name changes, then creates the new one", () =>
    Effect.gen(function* () {
      const w = world()
      yield* pass(w, desired([service("db")]))
      const changes = yield* pass(
        w,
        desired([service("db", {}, { containerName: "postgres", fixedName: true })]),
      )
      assert.deepStrictEqual(names(w), ["postgres:running"])
      assert.strictEqual(changes.services[0]?.outcome, "created")
    }),
  )

  it.effect(
    "converges from any crash point of a stop-first replacement, with no duplicate and no leftover",
    () =>
      Effect.gen(function* () {
        for (let cut = 0; cut < 5; cut++) {
          const w = world()
          yield* pass(w, desired([named("A=1")]))
          w.calls.length = 0
          w.crashAfterMutations = cut
          const crashed = yield* Effect.exit(pass(w, desired([named("A=2")])))
          assert.isTrue(crashed._tag === "Failure", `the pass died after ${cut} mutations`)
          w.crashAfterMutations = undefined
          yield* pass(w, desired([named("A=2")]))
          assert.deepStrictEqual(names(w), ["postgres:running"], `cut after ${cut}`)
          assert.strictEqual(w.containers[0]?.spec?.env[0], "A=2")
          const final = yield* observe("t").pipe(Effect.provide(fakeEngineLayer(w)))
          assert.deepStrictEqual(
            plan(desired([named("A=2")]), final).actions.map((a) => a._tag),
            ["Unchanged"],
          )
        }
      }),
  )
})
