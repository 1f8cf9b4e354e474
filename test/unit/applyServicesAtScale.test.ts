import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { DesiredState } from "../../src/domain/DesiredState.ts"
import type { ChangeSet } from "../../src/reconciler/ChangeSet.ts"
import { reconcile } from "../../src/reconciler/reconcile.ts"
import { emptyWorld, type FakeWorld, fakeEngineLayer, mutatingCalls } from "../support/FakeEngine.ts"
import { desired, images, service } from "../support/fixtures.ts"

/**
 * applyServices answers a service whose only action is Unchanged without running it, and
 * runs the orphans' wait for everything else once (both were per-service costs that grew
 * with the fleet: bench/scale.ts). These pin that results, order and dependencies are
 * exactly as when every service ran.
 */
const options = { revision: "rev1", allowEmpty: false, concurrency: 4 }

const world = (): FakeWorld => Object.assign(emptyWorld(), { images: [...images] })

const pass = (w: FakeWorld, state: DesiredState) =>
  reconcile(state, options).pipe(
    Effect.map((r) => r.changes),
    Effect.provide(fakeEngineLayer(w)),
  )

const summary = (changes: ChangeSet) => changes.services.map((s) => `${s.service}:${s.outcome}`)
const names = Array.from({ length: 60 }, (_, i) => `s${String(i).padStart(2, "0")}`)

describe("applyServices at scale", () => {
  it.effect("reports unchanged services in plan order beside the ones it changes, and no call for them", () =>
    Effect.gen(function* () {
      const w = world()
      yield* pass(w, desired(names.map((n) => service(n))))
      w.calls.length = 0
      // s10 changes; s20 is new and depends on the unchanged s05; the rest is unchanged.
      const next = desired([
        ...names.map((n) => (n === "s10" ? service(n, { env: ["CHANGED=1"] }) : service(n))),
        service(
          "s20b",
          {},
          { dependsOn: [{ service: "s05", condition: "service_started", required: true }] },
        ),
      ])
      const changes = yield* pass(w, next)
      // The plan's order: by name (no dependency reorders these).
      const expected = [...names, "s20b"]
        .sort()
        .map((n) => (n === "s10" ? `${n}:replaced` : n === "s20b" ? `${n}:created` : `${n}:unchanged`))
      assert.deepStrictEqual(summary(changes), expected)
      const unchanged = changes.services.find((s) => s.service === "s33")
      assert.deepStrictEqual(unchanged, { service: "s33", outcome: "unchanged", container: "t-s33" })
      // Only the two changed services touched the engine.
      const touched = new Set(mutatingCalls(w).map((c) => c.split(" ")[1]?.replace(/--(next|prev)$/, "")))
      assert.deepStrictEqual([...touched].sort(), ["t-s10", "t-s20b"])
    }),
  )

  it.effect("removes many orphans, each only after the services that stay are done", () =>
    Effect.gen(function* () {
      const w = world()
      yield* pass(w, desired(names.map((n) => service(n))))
      w.calls.length = 0
      const kept = names.slice(0, 5)
      const changes = yield* pass(
        w,
        desired(kept.map((n) => (n === "s01" ? service(n, { env: ["CHANGED=1"] }) : service(n)))),
      )
      const removed = changes.services.filter((s) => s.outcome === "removed").map((s) => s.service)
      assert.strictEqual(removed.length, names.length - kept.length)
      assert.deepStrictEqual(
        w.containers.map((c) => c.name).sort(),
        kept.map((n) => `t-${n}`),
      )
      // The replacement of s01 finished before the first orphan was stopped.
      const calls = mutatingCalls(w)
      const replaced = calls.findLastIndex((c) => c.includes("t-s01"))
      const firstRemoval = calls.findIndex((c) => /t-s(0[5-9]|[1-5]\d)\b/.test(c))
      assert.isTrue(replaced >= 0 && firstRemoval > replaced, calls.join("\n"))
    }),
  )
})
