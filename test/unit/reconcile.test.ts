import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { DesiredState } from "../../src/domain/DesiredState.ts"
import { plan } from "../../src/planner/plan.ts"
import type { ChangeSet } from "../../src/reconciler/ChangeSet.ts"
import { remembered } from "../../src/reconciler/Remembered.ts"
import {
  listResources,
  observe,
  type ReconcileOptions,
  type ResourceMemo,
  reconcile,
} from "../../src/reconciler/reconcile.ts"
import { emptyWorld, type FakeWorld, fakeEngineLayer, mutatingCalls } from "../support/FakeEngine.ts"
import { desired, imageIds, net, service } from "../support/fixtures.ts"

const options = { revision: "rev1", allowEmpty: false, concurrency: 4 }

const worldWithImages = (): FakeWorld => {
  const world = emptyWorld()
  world.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
  return world
}

const pass = (world: FakeWorld, state: DesiredState, opts: ReconcileOptions = options) =>
  reconcile(state, opts).pipe(
    Effect.map((r) => r.changes),
    Effect.provide(fakeEngineLayer(world)),
  )

const outcomes = (changes: ChangeSet) =>
  Object.fromEntries(
    changes.services.map((s) => [s.service, s.reason ? `${s.outcome}: ${s.reason}` : s.outcome]),
  )

const names = (world: FakeWorld) => world.containers.map((c) => `${c.name}:${c.state}`).sort()

describe("reconcile", () => {
  it.effect("creates every service, then a second pass makes no mutating engine call", () =>
    Effect.gen(function* () {
      const world = worldWithImages()
      const state = desired([service("web"), service("db")])
      // The daemon's memory: its first pass lists networks and volumes, later no-op passes need not.
      const daemon = { ...options, resources: yield* remembered<ResourceMemo>({}) }
      const first = yield* pass(world, state, daemon)
      assert.deepStrictEqual(outcomes(first), { db: "created", web: "created" })
      assert.deepStrictEqual(names(world), ["t-db:running", "t-web:running"])
      world.calls.length = 0
      const second = yield* pass(world, state, daemon)
      assert.deepStrictEqual(outcomes(second), { db: "unchanged", web: "unchanged" })
      assert.deepStrictEqual(mutatingCalls(world), [])
      assert.deepStrictEqual(world.calls, ["listContainers", "listImages"])
    }),
  )

  it.effect(
    "uses the listings it is given (the daemon's, made while it fetched) instead of listing again",
    () =>
      Effect.gen(function* () {
        const world = worldWithImages()
        const daemon = { ...options, resources: yield* remembered<ResourceMemo>({}) }
        yield* pass(world, desired([service("web")]), daemon)
        const given = Effect.all([observe("t", false), listResources("t")]).pipe(
          Effect.provide(fakeEngineLayer(world)),
        )
        const [listing] = yield* given
        world.calls.length = 0
        const next = yield* pass(world, desired([service("web", { env: ["A=2"] })]), {
          ...daemon,
          listed: Effect.succeed(listing),
        })
        assert.deepStrictEqual(outcomes(next), { web: "replaced: spec changed" })
        // Containers and images came from the listing; a replacement still checks networks and volumes.
        assert.isFalse(world.calls.includes("listContainers"))
        assert.isFalse(world.calls.includes("listImages"))
        assert.isTrue(world.calls.includes("listNetworks"))
        // Given those too (a pass a push started lists them while it fetches), it lists nothing.
        const [again, resources] = yield* given
        world.calls.length = 0
        const third = yield* pass(world, desired([service("web", { env: ["A=3"] })]), {
          ...daemon,
          listed: Effect.succeed(again),
          listedResources: Effect.succeed(resources),
        })
        assert.deepStrictEqual(outcomes(third), { web: "replaced: spec changed" })
        assert.deepStrictEqual(
          world.calls.filter((c) => c.startsWith("list")),
          [],
        )
      }),
  )

  it.effect("a listing of networks and volumes it is given still shows one that is gone", () =>
    Effect.gen(function* () {
      const world = worldWithImages()
      const withFront = (env: ReadonlyArray<string>): DesiredState => ({
        ...desired([service("web", { env, networks: [{ name: "t_front", aliases: ["web"] }] })]),
        networks: [net("front")],
      })
      const daemon = { ...options, resources: yield* remembered<ResourceMemo>({}) }
      yield* pass(world, withFront(["A=1"]), daemon)
      // Removed by someone between passes: the listing made beside the sync shows it gone.
      world.networks.clear()
      const listing = yield* observe("t", false).pipe(Effect.provide(fakeEngineLayer(world)))
      const resources = yield* listResources("t").pipe(Effect.provide(fakeEngineLayer(world)))
      world.calls.length = 0
      const next = yield* pass(world, withFront(["A=2"]), {
        ...daemon,
        listed: Effect.succeed(listing),
        listedResources: Effect.succeed(resources),
      })
      assert.deepStrictEqual(outcomes(next), { web: "replaced: spec changed" })
      assert.deepStrictEqual(mutatingCalls(world).slice(0, 2), [
        "ensureNetwork t_front",
        "createContainer t-web--next",
      ])
    }),
  )

  it.effect("replaces start-first: the new container runs before the old one goes", () =>
    Effect.gen(function* () {
      const world = worldWithImages()
      yield* pass(world, desired([service("web", { env: ["A=1"] }), service("db")]))
      world.calls.length = 0
      const changes = yield* pass(world, desired([service("web", { env: ["A=2"] }), service("db")]))
      assert.deepStrictEqual(outcomes(changes), { db: "unchanged", web: "replaced: spec changed" })
      assert.deepStrictEqual(changes.services.find((s) => s.service === "web")?.changes, ["environment.A"])
      assert.deepStrictEqual(mutatingCalls(world), [
        "createContainer t-web--next",
        "startContainer t-web--next",
        "renameContainer t-web t-web--prev",
        "renameContainer t-web--next t-web",
        "stopContainer t-web--prev",
        "removeContainer t-web--prev",
      ])
      assert.deepStrictEqual(names(world), ["t-db:running", "t-web:running"])
    }),
  )

  it.effect("replaces stop-first when a fixed host port would collide", () =>
    Effect.gen(function* () {
      const world = worldWithImages()
      const ports = [{ target: 80, protocol: "tcp", published: 8080 }] as const
      yield* pass(world, desired([service("web", { ports, env: ["A=1"] })]))
      world.calls.length = 0
      yield* pass(world, desired([service("web", { ports, env: ["A=2"] })]))
      assert.deepStrictEqual(mutatingCalls(world), [
        "createContainer t-web--next",
        "stopContainer t-web",
        "startContainer t-web--next",
        "renameContainer t-web t-web--prev",
        "renameContainer t-web--next t-web",
        "removeContainer t-web--prev",
      ])
    }),
  )

  it.effect("rolls back, with the old container serving, when the new one exits at once", () =>
    Effect.gen(function* () {
      const world = worldWithImages()
      yield* pass(world, desired([service("web")]))
      world.crashingImages.add("fleetd-test/app:v2")
      const changes = yield* pass(world, desired([service("web", { image: "fleetd-test/app:v2" })]))
      const web = changes.services.find((s) => s.service === "web")
      assert.strictEqual(web?.outcome, "rolled-back")
      assert.match(
        web?.reason ?? "",
        /t-web--next exited \(status exited, exit code 1\); rolled back to t-web/,
      )
      assert.deepStrictEqual(names(world), ["t-web:running"])
      assert.strictEqual(world.containers[0]?.imageId, imageIds["fleetd-test/app:v1"])
    }),
  )

  it.effect("restarts the old container when a stop-first replacement fails", () =>
    Effect.gen(function* () {
      const world = worldWithImages()
      const ports = [{ target: 80, protocol: "tcp", published: 8080 }] as const
      yield* pass(world, desired([service("web", { ports })]))
      world.crashingImages.add("fleetd-test/app:v2")
      yield* pass(world, desired([service("web", { ports, image: "fleetd-test/app:v2" })]))
      assert.deepStrictEqual(names(world), ["t-web:running"])
      assert.strictEqual(world.containers[0]?.imageId, imageIds["fleetd-test/app:v1"])
    }),
  )

  it.effect(
    "fails only the service whose name an unmanaged container holds, and leaves that container alone",
    () =>
      Effect.gen(function* () {
        const world = worldWithImages()
        const squatter = {
          id: "x",
          name: "t-web",
          labels: {},
          state: "running",
          imageId: "sha256:zzz",
          spec: undefined,
        }
        const other = {
          id: "o",
          name: "o-web",
          labels: { "fleetd.fleet": "o" },
          state: "exited",
          imageId: "i",
          spec: undefined,
        }
        world.containers.push({ ...squatter }, { ...other })
        const changes = yield* pass(world, desired([service("web"), service("db")]))
        assert.strictEqual(changes.services.find((s) => s.service === "db")?.outcome, "created")
        const web = changes.services.find((s) => s.service === "web")
        assert.strictEqual(web?.outcome, "failed")
        assert.match(web?.reason ?? "", /t-web is taken by a container fleetd does not manage/)
        assert.deepStrictEqual(
          world.containers.find((c) => c.id === "x"),
          squatter,
        )
        assert.deepStrictEqual(
          world.containers.find((c) => c.id === "o"),
          other,
        )
      }),
  )

  it.effect("does not change a service whose required dependency failed, and changes the rest", () =>
    Effect.gen(function* () {
      const world = worldWithImages()
      const dep = { service: "db", condition: "service_started", required: true } as const
      const state = desired([
        service("db", { image: "missing:1" }),
        service("web", {}, { dependsOn: [dep] }),
        service("cache"),
      ])
      const changes = yield* pass(world, state)
      assert.deepStrictEqual(outcomes(changes), {
        cache: "created",
        db: "failed: image missing:1: pull access denied for missing:1",
        web: "failed: not changed: its dependency db failed",
      })
    }),
  )

  it.effect("pulls a missing image, then creates from it", () =>
    Effect.gen(function* () {
      const world = worldWithImages()
      world.registry.set("busybox:1.36", "sha256:bbox")
      const changes = yield* pass(world, desired([service("a", { image: "busybox:1.36" })]))
      assert.deepStrictEqual(outcomes(changes), { a: "created" })
      assert.deepStrictEqual(changes.resources, [{ kind: "image", name: "busybox:1.36", outcome: "pulled" }])
      assert.strictEqual(world.containers[0]?.imageId, "sha256:bbox")
    }),
  )

  it.effect("refuses to empty a fleet without --allow-empty, and does it with", () =>
    Effect.gen(function* () {
      const world = worldWithImages()
      yield* pass(world, desired([service("web")]))
      const refused = yield* Effect.flip(pass(world, desired([])))
      assert.strictEqual(refused._tag, "EmptyFleetRefused")
      assert.deepStrictEqual(names(world), ["t-web:running"])
      const changes = yield* pass(world, desired([]), { ...options, allowEmpty: true })
      assert.deepStrictEqual(outcomes(changes), { web: "removed: orphan" })
      assert.deepStrictEqual(names(world), [])
    }),
  )

  it.effect("starts a stopped container and recreates a removed one", () =>
    Effect.gen(function* () {
      const world = worldWithImages()
      const state = desired([service("web"), service("db")])
      yield* pass(world, state)
      world.containers = world.containers.filter((c) => c.name !== "t-db")
      const web = world.containers.find((c) => c.name === "t-web")
      if (web) web.state = "exited"
      const changes = yield* pass(world, state)
      assert.deepStrictEqual(outcomes(changes), { db: "created", web: "started: was not running" })
    }),
  )

  it.live("retries an engine that is briefly unavailable", () =>
    Effect.gen(function* () {
      const world = worldWithImages()
      world.unavailableFor = 2
      const changes = yield* pass(world, desired([service("web")]))
      assert.deepStrictEqual(outcomes(changes), { web: "created" })
    }),
  )

  it.effect("converges from any crash point of a replacement, with no duplicate and no leftover", () =>
    Effect.gen(function* () {
      for (const ports of [[], [{ target: 80, protocol: "tcp", published: 8080 }] as const]) {
        const before = desired([service("web", { ports, env: ["A=1"] })])
        const after = desired([service("web", { ports, env: ["A=2"] })])
        // A replacement makes five mutating calls; die before each of them.
        for (let cut = 0; cut < 5; cut++) {
          const world = worldWithImages()
          yield* pass(world, before)
          world.calls.length = 0
          world.crashAfterMutations = cut
          const crashed = yield* Effect.exit(pass(world, after))
          assert.isTrue(crashed._tag === "Failure", `the pass died after ${cut} mutations`)
          assert.strictEqual(mutatingCalls(world).length, cut)
          world.crashAfterMutations = undefined
          yield* pass(world, after)
          assert.deepStrictEqual(names(world), ["t-web:running"], `cut after ${cut}`)
          assert.strictEqual(world.containers[0]?.spec?.env[0], "A=2")
          const final = yield* observe("t").pipe(Effect.provide(fakeEngineLayer(world)))
          assert.deepStrictEqual(
            plan(after, final).actions.map((a) => a._tag),
            ["Unchanged"],
          )
        }
      }
    }),
  )
})
