import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { BuildSpec } from "../../src/domain/BuildSpec.ts"
import type { DesiredService, DesiredState } from "../../src/domain/DesiredState.ts"
import { configHash } from "../../src/domain/specHash.ts"
import { plan } from "../../src/planner/plan.ts"
import { buildReason } from "../../src/planner/planBuilds.ts"
import type { ChangeSet } from "../../src/reconciler/ChangeSet.ts"
import type { FailedBuilds } from "../../src/reconciler/failedBuilds.ts"
import { type Remembered, remembered } from "../../src/reconciler/Remembered.ts"
import { reconcile } from "../../src/reconciler/reconcile.ts"
import { serviceStatuses } from "../../src/reconciler/serviceStatuses.ts"
import { emptyWorld, type FakeWorld, fakeEngineLayer, mutatingCalls } from "../support/FakeEngine.ts"
import { desired, service } from "../support/fixtures.ts"

const buildSpec = (hash: string): BuildSpec => ({
  context: "/repo/app",
  files: ["Dockerfile"],
  dockerfile: "Dockerfile",
  args: {},
  labels: {},
  hash,
})

/** A service built from the repository, tagged `t-<name>`; its config hash covers the build's inputs. */
const built = (name: string, hash: string, extra: Partial<DesiredService> = {}): DesiredService => {
  const s = service(name, { image: `t-${name}` }, { build: buildSpec(hash), ...extra })
  return { ...s, configHash: configHash(s.spec, [{ path: "build:app", sha256: hash }]) }
}

const options = { revision: "rev1", allowEmpty: false, concurrency: 4 }

const pass = (world: FakeWorld, state: DesiredState, failedBuilds?: Remembered<FailedBuilds>) =>
  reconcile(state, { ...options, ...(failedBuilds === undefined ? {} : { failedBuilds }) }).pipe(
    Effect.map((r) => r.changes),
    Effect.provide(fakeEngineLayer(world)),
  )

const outcomes = (changes: ChangeSet) =>
  Object.fromEntries(
    changes.services.map((s) => [s.service, s.reason ? `${s.outcome}: ${s.reason}` : s.outcome]),
  )

describe("when an image is built", () => {
  const web = built("web", "h1")
  it("builds a missing image, rebuilds one fleetd built from other inputs, and keeps an equal one", () => {
    assert.strictEqual(buildReason(web, undefined), "missing")
    assert.strictEqual(buildReason(web, { id: "sha256:1", refs: ["t-web"], buildHash: "h0" }), "changed")
    assert.strictEqual(buildReason(web, { id: "sha256:1", refs: ["t-web"], buildHash: "h1" }), undefined)
  })

  it("uses an image fleetd did not build (Compose's rule), unless pull_policy is build", () => {
    const foreign = { id: "sha256:1", refs: ["t-web"] }
    assert.strictEqual(buildReason(web, foreign), undefined)
    assert.strictEqual(buildReason({ ...web, pullPolicy: "build" }, foreign), "policy")
    assert.strictEqual(buildReason({ ...web, pullPolicy: "never" }, undefined), "missing")
  })

  it("plans one build per tag before the services, never a pull, and nothing for suspended services", () => {
    const twin = { ...built("worker", "h1"), spec: web.spec }
    const planned = plan(desired([web, twin, built("off", "h9", { suspended: "paused" })]), {
      containers: [],
      images: [],
    })
    const first = planned.actions[0]
    assert.strictEqual(first?._tag, "BuildImage")
    if (first?._tag === "BuildImage") {
      assert.deepStrictEqual(first.services, ["web", "worker"])
      assert.strictEqual(first.reason, "missing")
    }
    assert.isFalse(planned.actions.some((a) => a._tag === "PullImage"))
    assert.strictEqual(planned.actions.filter((a) => a._tag === "BuildImage").length, 1)
  })
})

describe("reconciling a built service", () => {
  it.effect("builds and creates, then a second pass builds nothing and changes nothing", () =>
    Effect.gen(function* () {
      const world = emptyWorld()
      const first = yield* pass(world, desired([built("web", "h1")]))
      assert.deepStrictEqual(outcomes(first), { web: "created" })
      assert.deepStrictEqual(first.resources, [{ kind: "image", name: "t-web", outcome: "built" }])
      const build = first.services[0]?.build
      assert.strictEqual(build?.ok, true)
      assert.strictEqual(build?.imageId, "sha256:built-h1")
      assert.include(build?.outputTail ?? "", "Successfully tagged t-web")
      assert.strictEqual(world.containers[0]?.imageId, "sha256:built-h1")
      world.calls.length = 0
      const second = yield* pass(world, desired([built("web", "h1")]))
      assert.deepStrictEqual(outcomes(second), { web: "unchanged" })
      assert.deepStrictEqual(mutatingCalls(world), [])
    }),
  )

  it.effect("rebuilds and replaces when the build inputs change", () =>
    Effect.gen(function* () {
      const world = emptyWorld()
      yield* pass(world, desired([built("web", "h1")]))
      world.calls.length = 0
      const changed = yield* pass(world, desired([built("web", "h2")]))
      assert.deepStrictEqual(outcomes(changed), { web: "replaced: spec changed" })
      assert.strictEqual(mutatingCalls(world)[0], "build t-web")
      assert.strictEqual(world.containers.find((c) => c.name === "t-web")?.imageId, "sha256:built-h2")
    }),
  )

  it.effect("fails only the service whose build fails, with the builder's error, in status too", () =>
    Effect.gen(function* () {
      const world = emptyWorld()
      world.buildFailures.set("t-broken", "The command '/bin/sh -c false' returned a non-zero code: 1")
      const state = desired([built("broken", "h1"), built("web", "h1")])
      const changes = yield* pass(world, state)
      assert.deepStrictEqual(outcomes(changes), {
        broken:
          "failed: build of image t-broken failed: The command '/bin/sh -c false' returned a non-zero code: 1",
        web: "created",
      })
      const failed = changes.services.find((s) => s.service === "broken")?.build
      assert.strictEqual(failed?.ok, false)
      assert.include(failed?.outputTail ?? "", "returned a non-zero code: 1")
      assert.deepStrictEqual(
        world.containers.map((c) => c.name),
        ["t-web"],
      )
      const status = serviceStatuses(state, [], changes, [], "2026-11-29T00:00:00Z")
      assert.strictEqual(status.find((s) => s.name === "broken")?.lastError?.build?.error, failed?.error)
      assert.strictEqual(status.find((s) => s.name === "web")?.lastChange?.build?.ok, true)
    }),
  )

  it.effect("keeps the old container running when a rebuild fails", () =>
    Effect.gen(function* () {
      const world = emptyWorld()
      yield* pass(world, desired([built("web", "h1")]))
      world.buildFailures.set("t-web", "Dockerfile parse error line 2: unknown instruction: RUNN")
      const changes = yield* pass(world, desired([built("web", "h2")]))
      assert.strictEqual(changes.services[0]?.outcome, "failed")
      assert.deepStrictEqual(
        world.containers.map((c) => `${c.name}:${c.state}:${c.imageId}`),
        ["t-web:running:sha256:built-h1"],
      )
    }),
  )

  it.effect("in the daemon, does not build failed inputs again until they change", () =>
    Effect.gen(function* () {
      const world = emptyWorld()
      const memory = yield* remembered<FailedBuilds>(new Map())
      world.buildFailures.set("t-web", "unknown instruction: RUNN")
      yield* pass(world, desired([built("web", "h1")]), memory)
      world.calls.length = 0
      const again = yield* pass(world, desired([built("web", "h1")]), memory)
      assert.deepStrictEqual(outcomes(again), {
        web: "failed: build of image t-web failed: unknown instruction: RUNN (not built again until its context, Dockerfile or arguments change)",
      })
      assert.strictEqual(again.services[0]?.build?.ok, false)
      assert.deepStrictEqual(mutatingCalls(world), [])
      world.buildFailures.delete("t-web")
      const fixed = yield* pass(world, desired([built("web", "h2")]), memory)
      assert.deepStrictEqual(outcomes(fixed), { web: "created" })
      assert.deepStrictEqual([...(yield* memory.get).keys()], [])
    }),
  )
})
