import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { DesiredService, DesiredState, UpdateSettings } from "../../src/domain/DesiredState.ts"
import type { ChangeSet } from "../../src/reconciler/ChangeSet.ts"
import { type ReconcileOptions, reconcile } from "../../src/reconciler/reconcile.ts"
import { emptyWorld, type FakeWorld, fakeEngineLayer, mutatingCalls } from "../support/FakeEngine.ts"
import { desired, imageIds, service } from "../support/fixtures.ts"

const options: ReconcileOptions = { revision: "rev1", allowEmpty: false, concurrency: 4 }
/** A pass that waits for first creations' gates too (`fleetd apply --wait`). */
const waiting: ReconcileOptions = { ...options, awaitCreations: true }
const v2 = "fleetd-test/app:v2"
const ports = [{ target: 80, protocol: "tcp", published: 8080 }] as const
const healthcheck = { test: ["CMD", "true"], intervalNs: 1e8 }

const world = (): FakeWorld => {
  const w = emptyWorld()
  w.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
  return w
}

const pass = (w: FakeWorld, state: DesiredState, opts: ReconcileOptions = options) =>
  reconcile(state, opts).pipe(Effect.provide(fakeEngineLayer(w)))

const result = (changes: ChangeSet, name: string) => changes.services.find((s) => s.service === name)
const names = (w: FakeWorld) => w.containers.map((c) => `${c.name}:${c.state}:${c.imageId}`).sort()

/** A service with its gate settings; time-based gates run on the live clock, kept short. */
const gated = (
  name: string,
  spec: Parameters<typeof service>[1] = {},
  update: Partial<UpdateSettings> = {},
  extra: Partial<DesiredService> = {},
) =>
  service(name, spec, {
    update: { healthTimeoutMs: 2_000, minReadyMs: 300, rollback: true, ...update },
    ...extra,
  })

/** Deploys v1, then applies v2 (whose behaviour the test set) and returns that pass. */
const rollout = (w: FakeWorld, spec: Parameters<typeof service>[1], update: Partial<UpdateSettings> = {}) =>
  Effect.gen(function* () {
    yield* pass(w, desired([gated("web", spec, update)]))
    w.calls.length = 0
    return yield* pass(w, desired([gated("web", { ...spec, image: v2 }, update)]))
  })

describe("health gate", () => {
  it.live("passes a container without a healthcheck once it has run min_ready", () =>
    Effect.gen(function* () {
      const w = world()
      const started = Date.now()
      const { changes } = yield* pass(w, desired([gated("web")]), waiting)
      assert.strictEqual(result(changes, "web")?.outcome, "created")
      assert.isAtLeast(Date.now() - started, 300)
      assert.isAtLeast(w.calls.filter((c) => c.startsWith("inspectContainer")).length, 3)
    }),
  )

  it.live(
    "fails a first deployment that exits during min_ready, removes nothing and keeps its log tail",
    () =>
      Effect.gen(function* () {
        const w = world()
        w.behaviours.set("fleetd-test/app:v1", { exitAt: 2, logs: "starting\npanic: no config" })
        const { changes } = yield* pass(w, desired([gated("web")]), waiting)
        const web = result(changes, "web")
        assert.strictEqual(web?.outcome, "failed")
        assert.match(web?.reason ?? "", /^t-web--next exited \(status exited, exit code 1\); t-web was kept/)
        assert.strictEqual(web?.logs, "starting\npanic: no config")
        assert.deepStrictEqual(names(w), ["t-web:exited:sha256:aaaa"])
      }),
  )

  it.live("rolls back start-first when the new container exits: the old one never stops", () =>
    Effect.gen(function* () {
      const w = world()
      w.behaviours.set(v2, { exitAt: 2, logs: "boom" })
      const { changes, rolledBack } = yield* rollout(w, {})
      const web = result(changes, "web")
      assert.strictEqual(web?.outcome, "rolled-back")
      assert.match(web?.reason ?? "", /t-web--next exited .*; rolled back to t-web$/)
      assert.strictEqual(web?.logs, "boom")
      assert.deepStrictEqual(mutatingCalls(w), [
        "createContainer t-web--next",
        "startContainer t-web--next",
        "stopContainer t-web--next",
        "removeContainer t-web--next",
      ])
      assert.deepStrictEqual(names(w), ["t-web:running:sha256:aaaa"])
      assert.strictEqual(rolledBack.size, 1)
    }),
  )

  it.live("rolls back stop-first on an unhealthy check: the old one is started again", () =>
    Effect.gen(function* () {
      const w = world()
      w.behaviours.set(v2, { health: ["starting", "unhealthy"] })
      const { changes } = yield* rollout(w, { ports, healthcheck })
      const web = result(changes, "web")
      assert.strictEqual(web?.outcome, "rolled-back")
      assert.match(web?.reason ?? "", /t-web--next is unhealthy/)
      assert.deepStrictEqual(mutatingCalls(w), [
        "createContainer t-web--next",
        "stopContainer t-web",
        "startContainer t-web--next",
        "stopContainer t-web--next",
        // Removed before the old one starts: Podman would take the shared host port with it.
        "removeContainer t-web--next",
        "startContainer t-web",
      ])
      assert.deepStrictEqual(names(w), ["t-web:running:sha256:aaaa"])
    }),
  )

  it.live("rolls back when the healthcheck never passes within health_timeout", () =>
    Effect.gen(function* () {
      const w = world()
      w.behaviours.set(v2, { health: ["starting"] })
      const { changes } = yield* rollout(w, { healthcheck }, { healthTimeoutMs: 300 })
      assert.strictEqual(result(changes, "web")?.outcome, "rolled-back")
      assert.match(
        result(changes, "web")?.reason ?? "",
        /did not become healthy within 0\.3s \(health: starting\)/,
      )
    }),
  )

  it.live("rolls back a container that restarts during min_ready", () =>
    Effect.gen(function* () {
      const w = world()
      w.behaviours.set(v2, { restartAt: 3 })
      const { changes } = yield* rollout(w, {})
      assert.strictEqual(result(changes, "web")?.outcome, "rolled-back")
      assert.match(result(changes, "web")?.reason ?? "", /restarted 1 time\(s\)/)
    }),
  )

  it.live("replaces once the healthcheck passes", () =>
    Effect.gen(function* () {
      const w = world()
      w.behaviours.set(v2, { health: ["starting", "starting", "healthy"] })
      const { changes } = yield* rollout(w, { healthcheck })
      assert.strictEqual(result(changes, "web")?.outcome, "replaced")
      assert.deepStrictEqual(names(w), ["t-web:running:sha256:bbbb"])
    }),
  )

  it.live("with rollback: false keeps the failed container in place and reports failed", () =>
    Effect.gen(function* () {
      const w = world()
      w.behaviours.set(v2, { exitAt: 2, logs: "kept for you" })
      const { changes, rolledBack } = yield* rollout(w, {}, { rollback: false })
      const web = result(changes, "web")
      assert.strictEqual(web?.outcome, "failed")
      assert.match(web?.reason ?? "", /kept as t-web for debugging \(rollback: false\)/)
      assert.strictEqual(web?.logs, "kept for you")
      assert.deepStrictEqual(mutatingCalls(w), [
        "createContainer t-web--next",
        "startContainer t-web--next",
        "renameContainer t-web t-web--prev",
        "renameContainer t-web--next t-web",
        "stopContainer t-web--prev",
        "removeContainer t-web--prev",
      ])
      assert.deepStrictEqual(names(w), ["t-web:exited:sha256:bbbb"])
      assert.strictEqual(rolledBack.size, 0)
    }),
  )
})

describe("gates that do not serialize", () => {
  it.live(
    "a first creation does not wait for its gate: it takes its name at once, reported progressing",
    () =>
      Effect.gen(function* () {
        const w = world()
        w.behaviours.set("fleetd-test/app:v1", { health: ["starting"] })
        const { changes } = yield* pass(w, desired([gated("web", { healthcheck })]))
        assert.deepInclude(result(changes, "web"), { outcome: "created", progressing: true })
        assert.deepStrictEqual(mutatingCalls(w), [
          "createContainer t-web--next",
          "startContainer t-web--next",
          "renameContainer t-web--next t-web",
        ])
        assert.isFalse(
          w.calls.some((c) => c.startsWith("inspectContainer")),
          "no gate ran",
        )
      }),
  )

  it.live("with awaitCreations (apply --wait) a first creation is gated as before", () =>
    Effect.gen(function* () {
      const w = world()
      w.behaviours.set("fleetd-test/app:v1", { health: ["starting", "healthy"] })
      const { changes } = yield* pass(w, desired([gated("web", { healthcheck })]), waiting)
      const web = result(changes, "web")
      assert.strictEqual(web?.outcome, "created")
      assert.isUndefined(web?.progressing)
      assert.isTrue(w.calls.some((c) => c.startsWith("inspectContainer")))
    }),
  )

  it.live("the gates of two replacements overlap even with concurrency 1: a gate holds no slot", () =>
    Effect.gen(function* () {
      const w = world()
      const two = (image: string) =>
        desired([gated("a", { image }, { minReadyMs: 300 }), gated("b", { image }, { minReadyMs: 300 })])
      const one: ReconcileOptions = { ...options, concurrency: 1 }
      yield* pass(w, two("fleetd-test/app:v1"), { ...one, awaitCreations: true })
      w.calls.length = 0
      const { changes } = yield* pass(w, two(v2), one)
      assert.deepStrictEqual(
        changes.services.map((s) => s.outcome),
        ["replaced", "replaced"],
      )
      const calls = mutatingCalls(w)
      // Both new containers started before either gate passed (the renames come after it).
      const lastStart = Math.max(
        calls.indexOf("startContainer t-a--next"),
        calls.indexOf("startContainer t-b--next"),
      )
      const firstRename = calls.findIndex((c) => c.startsWith("renameContainer"))
      assert.isBelow(lastStart, firstRename, calls.join(", "))
    }),
  )
})

describe("held specs (the daemon's memory)", () => {
  it.live("a held spec is not replaced again; a new image is", () =>
    Effect.gen(function* () {
      const w = world()
      w.behaviours.set(v2, { exitAt: 1 })
      const { rolledBack } = yield* rollout(w, {})
      const held = new Map([...rolledBack].map(([s, specHash]) => [s, { specHash, revision: "rev1" }]))
      w.calls.length = 0
      const again = yield* pass(w, desired([gated("web", { image: v2 })]), { ...options, held })
      assert.strictEqual(result(again.changes, "web")?.outcome, "held")
      assert.strictEqual(
        result(again.changes, "web")?.reason,
        "rolled back at revision rev1; waiting for a new revision or image",
      )
      assert.deepStrictEqual(mutatingCalls(w), [])
      // The tag now names another image: another spec, tried again.
      w.behaviours.clear()
      w.images = w.images.map((i) => (i.refs.includes(v2) ? { id: "sha256:cccc", refs: [v2] } : i))
      const fixed = yield* pass(w, desired([gated("web", { image: v2 })]), { ...options, held })
      assert.strictEqual(result(fixed.changes, "web")?.outcome, "replaced")
    }),
  )
})

describe("depends_on: service_healthy", () => {
  const dependent = (web: Parameters<typeof service>[1] = {}) =>
    gated(
      "web",
      web,
      { minReadyMs: 0 },
      {
        dependsOn: [{ service: "db", condition: "service_healthy", required: true }],
      },
    )

  it.live("changes a dependent only after its dependency is healthy", () =>
    Effect.gen(function* () {
      const w = world()
      w.behaviours.set(v2, { health: ["starting", "starting", "healthy"] })
      const db = gated("db", { image: v2, healthcheck })
      const { changes } = yield* pass(w, desired([db, dependent()]))
      assert.strictEqual(result(changes, "web")?.outcome, "created")
      const order = w.calls.filter((c) => /^(startContainer|createContainer) t-web|inspectContainer/.test(c))
      const webCreated = order.indexOf("createContainer t-web--next")
      assert.isAtLeast(webCreated, 3, `web waited for db's inspections: ${order.join(", ")}`)
    }),
  )

  it.live("leaves the dependent unchanged, saying why, when the dependency is unhealthy", () =>
    Effect.gen(function* () {
      const w = world()
      const db = gated("db", { healthcheck })
      yield* pass(w, desired([db, dependent({ env: ["A=1"] })]))
      w.behaviours.set("fleetd-test/app:v1", { health: ["unhealthy"] })
      for (const c of w.containers) c.inspects = 0
      w.calls.length = 0
      const { changes } = yield* pass(w, desired([db, dependent({ env: ["A=2"] })]))
      assert.strictEqual(result(changes, "db")?.outcome, "unchanged")
      const web = result(changes, "web")
      assert.strictEqual(web?.outcome, "failed")
      assert.match(web?.reason ?? "", /not changed: its dependency db is not healthy: t-db is unhealthy/)
      assert.deepStrictEqual(mutatingCalls(w), [])
    }),
  )
})
