import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { DesiredState } from "../../src/domain/DesiredState.ts"
import { asProject, observeProjects } from "../../src/reconciler/projectFleets.ts"
import { type Remembered, remembered } from "../../src/reconciler/Remembered.ts"
import { type ResourceMemo, reconcile } from "../../src/reconciler/reconcile.ts"
import { sharedListings } from "../../src/reconciler/sharedListings.ts"
import { emptyWorld, fakeEngineLayer, mutatingCalls } from "../support/FakeEngine.ts"
import { desired, imageIds, service } from "../support/fixtures.ts"

/** One daemon pass over projects, as the daemon runs it: one observation shared by all. */
const pass = (projects: ReadonlyArray<DesiredState>, memos: Map<string, Remembered<ResourceMemo>>) =>
  Effect.gen(function* () {
    const current = projects.map((p) => ({ dir: `services/${p.fleet}`, fleet: p.fleet }))
    const observed = yield* observeProjects("/repo", current)
    for (const p of projects) if (!memos.has(p.fleet)) memos.set(p.fleet, yield* remembered<ResourceMemo>({}))
    return yield* Effect.forEach(projects, (p) => {
      const memo = memos.get(p.fleet)
      return reconcile(asProject(p, "/repo", `services/${p.fleet}`), {
        revision: "r1",
        allowEmpty: false,
        concurrency: 4,
        ...(memo === undefined ? {} : { resources: memo }),
      }).pipe(Effect.map((r) => r.changes.services.map((s) => `${p.fleet}/${s.service}:${s.outcome}`)))
    }).pipe(Effect.provide(sharedListings(observed.managed, observed.images)))
  })

describe("projects share one engine observation per pass", () => {
  it.effect("an unchanged pass over six projects makes two engine calls", () =>
    Effect.gen(function* () {
      const world = emptyWorld()
      world.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
      const projects = ["a", "b", "c", "d", "e", "f"].map((f) =>
        desired([service("app", {}, {}, f), service("worker", {}, {}, f)], f),
      )
      const memos = new Map<string, Remembered<ResourceMemo>>()
      const first = yield* pass(projects, memos).pipe(Effect.provide(fakeEngineLayer(world)))
      assert.deepStrictEqual(
        first.flat().filter((s) => !s.endsWith(":created")),
        [],
      )
      // Every container knows its project, for orphan detection.
      assert.deepStrictEqual(
        world.containers.find((c) => c.name === "c-app")?.labels["fleetd.project"],
        "services/c",
      )
      world.calls = []
      const second = yield* pass(projects, memos).pipe(Effect.provide(fakeEngineLayer(world)))
      assert.deepStrictEqual(
        second.flat().filter((s) => !s.endsWith(":unchanged")),
        [],
      )
      assert.deepStrictEqual(world.calls, ["listManagedContainers", "listImages"])
      assert.deepStrictEqual(mutatingCalls(world), [])
    }),
  )

  it.effect("a project whose image is pulled mid-pass makes the next project list images afresh", () =>
    Effect.gen(function* () {
      const world = emptyWorld()
      world.registry.set("fleetd-test/app:v2", "sha256:bbbb")
      const a = desired([service("app", { image: "fleetd-test/app:v2" }, {}, "a")], "a")
      const b = desired([service("app", { image: "fleetd-test/app:v2" }, {}, "b")], "b")
      const outcomes = yield* pass([a, b], new Map()).pipe(Effect.provide(fakeEngineLayer(world)))
      assert.deepStrictEqual(outcomes.flat(), ["a/app:created", "b/app:created"])
      // b saw the image a pulled: one pull only.
      assert.deepStrictEqual(world.calls.filter((c) => c.startsWith("pullImage")).length, 1)
    }),
  )
})
