import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { DaemonConfig, type DaemonSettings } from "../../src/config/DaemonConfig.ts"
import { defaultLeaseTtl, FleetLease } from "../../src/daemon/FleetLease.ts"
import { PassMemory } from "../../src/daemon/PassMemory.ts"
import { projectsPass } from "../../src/daemon/projectsPass.ts"
import { StatusStore } from "../../src/daemon/StatusStore.ts"
import { Metrics } from "../../src/observability/Metrics.ts"
import { ManifestSource, SourceError } from "../../src/source/ManifestSource.ts"
import { FileWatcher } from "../../src/triggers/FileWatcher.ts"
import { emptyWorld, fakeEngineLayer, mutatingCalls } from "../support/FakeEngine.ts"
import { imageIds } from "../support/fixtures.ts"
import { foreignLease } from "../support/foreignLease.ts"

const app = (env: string, extra = "") =>
  `services:\n  app:\n    image: fleetd-test/app:v1\n    environment:\n      A: "${env}"\n    x-fleetd:\n      update:\n        min_ready: 0s\n${extra}`

const setup = (projects: number, overrides: Partial<DaemonSettings> = {}) => {
  const dir = mkdtempSync(join(tmpdir(), "fleetd-projects-pass-"))
  const write = (files: Record<string, string | null>) => {
    for (const [path, text] of Object.entries(files))
      if (text === null) rmSync(join(dir, path), { recursive: true, force: true })
      else {
        mkdirSync(dirname(join(dir, path)), { recursive: true })
        writeFileSync(join(dir, path), text)
      }
  }
  write(
    Object.fromEntries(Array.from({ length: projects }, (_, i) => [`services/p${i}/compose.yaml`, app("1")])),
  )
  const source = { revision: "r1", refused: false }
  const world = emptyWorld()
  world.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
  const settings: DaemonSettings = {
    source: {
      _tag: "Git",
      repo: "file:///repo.git",
      branch: "main",
      ref: undefined,
      sshKeyFile: undefined,
      knownHostsFile: undefined,
      httpsToken: undefined,
      timeout: Duration.seconds(5),
    },
    path: "fleet.yaml",
    projects: ["services/*"],
    fleet: undefined,
    interval: Duration.seconds(60),
    listen: { host: "127.0.0.1", port: 0 },
    dataDir: dir,
    engine: undefined,
    allowEmpty: false,
    concurrency: 4,
    webhookSecrets: {},
    webhookMaxBytes: 1024,
    logLevel: "info",
    logFormat: "json",
    ...overrides,
  }
  const layer = Layer.mergeAll(
    StatusStore.layer(undefined),
    PassMemory.layer,
    Layer.succeed(DaemonConfig)(settings),
    FileWatcher.none,
    NodeFileSystem.layer,
    FleetLease.layer({ ttl: defaultLeaseTtl, command: "run" }),
  ).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        Layer.succeed(ManifestSource)({
          describe: { kind: "git", location: "file:///repo.git", ref: "main" },
          sync: Effect.suspend(() =>
            source.refused
              ? Effect.fail(
                  new SourceError({
                    reason: "Unverified",
                    revision: source.revision,
                    message: `commit ${source.revision} is refused by --verify-commits: it is not signed`,
                  }),
                )
              : Effect.succeed({ revision: source.revision, root: dir }),
          ),
        }),
        Metrics.layer,
        fakeEngineLayer(world),
      ),
    ),
  )
  return { dir, write, source, world, layer }
}

describe("a pass over projects", () => {
  it.effect("creates a service with profiles: only under a --profile that enables it", () => {
    const debug =
      "  debug:\n    image: fleetd-test/app:v1\n    profiles: [debug]\n    x-fleetd:\n      update:\n        min_ready: 0s\n"
    const names = (profiles: ReadonlyArray<string>) => {
      const t = setup(1, { profiles })
      t.write({ "services/p0/compose.yaml": app("1") + debug })
      return projectsPass(["startup"]).pipe(
        Effect.map(() => t.world.containers.map((c) => c.name).sort()),
        Effect.provide(t.layer),
      )
    }
    return Effect.gen(function* () {
      assert.deepStrictEqual(yield* names([]), ["p0-app"])
      assert.deepStrictEqual(yield* names(["debug"]), ["p0-app", "p0-debug"])
    })
  })

  it.effect(
    "a revision --verify-commits refuses stalls the source, touching no project, until a verified one",
    () => {
      const t = setup(2)
      return Effect.gen(function* () {
        yield* projectsPass(["startup"])
        t.world.calls = []
        t.write({ "services/p0/compose.yaml": app("2") })
        t.source.revision = "r2"
        t.source.refused = true
        const outcome = yield* projectsPass(["poll"])
        expect(outcome.result).toBe("stalled")
        const stalled = yield* (yield* StatusStore).get
        expect(stalled.phase).toBe("Stalled")
        expect(stalled.stalled).toMatchObject({ revision: "r2", unverified: true })
        expect(stalled.lastAppliedRevision).toBe("r1")
        expect(t.world.calls).toEqual([])
        t.source.refused = false
        yield* projectsPass(["poll"])
        const synced = yield* (yield* StatusStore).get
        expect(synced.phase).toBe("Synced")
        expect(synced.stalled).toBeUndefined()
        expect(synced.lastAppliedRevision).toBe("r2")
      }).pipe(Effect.provide(t.layer))
    },
  )

  it.effect("costs two engine calls when nothing changed, for twelve projects", () => {
    const t = setup(12)
    return Effect.gen(function* () {
      yield* projectsPass(["startup"])
      const first = yield* (yield* StatusStore).get
      assert.deepStrictEqual(
        first.projects?.map((p) => p.phase),
        Array(12).fill("Synced"),
      )
      t.world.calls = []
      yield* projectsPass(["poll"])
      assert.deepStrictEqual(t.world.calls, ["listManagedContainers", "listImages"])
      const second = yield* (yield* StatusStore).get
      expect(second.phase).toBe("Synced")
    }).pipe(Effect.provide(t.layer))
  })

  it.effect(
    "stalls an invalid project alone, changes only the project a revision touched, and reports an orphan",
    () => {
      const t = setup(3)
      return Effect.gen(function* () {
        const status = yield* StatusStore
        yield* projectsPass(["startup"])
        const ids = () => Object.fromEntries(t.world.containers.map((c) => [c.name, c.id]))
        const before = ids()

        t.write({
          "services/p1/compose.yaml": app("2"),
          "services/p2/compose.yaml": app("1", "    bogus: 1\n"),
        })
        t.source.revision = "r2"
        t.world.calls = []
        const outcome = yield* projectsPass(["webhook:github"])
        expect(outcome.result).toBe("partial")
        const s = yield* status.get
        assert.deepStrictEqual(
          s.projects?.map((p) => [p.fleet, p.phase]),
          [
            ["p0", "Synced"],
            ["p1", "Synced"],
            ["p2", "Stalled"],
          ],
        )
        // lastPass names each project's fleet; the stalled project reconciled nothing.
        assert.deepStrictEqual(
          s.lastPass?.changes?.map((c) => [c.fleet, c.service, c.outcome, c.fromRevision, c.toRevision]),
          [
            ["p0", "app", "unchanged", "r1", undefined],
            ["p1", "app", "replaced", "r1", "r2"],
          ],
        )
        assert.deepStrictEqual(s.projects?.[2]?.stalled?.issues, [
          'services/p2/compose.yaml:9:5: services.app.bogus: unknown or unsupported service field "bogus" (fleetd accepts a subset of Compose (see schemas/fleet.schema.json); put extensions under x-*)',
        ])
        const after = ids()
        expect(after["p0-app"]).toBe(before["p0-app"])
        expect(after["p1-app"]).not.toBe(before["p1-app"])
        expect(after["p2-app"]).toBe(before["p2-app"])
        const metrics = (yield* (yield* Metrics).render).body
        expect(metrics).toContain('fleetd_stalled{source="default",fleet="p2"} 1')
        expect(metrics).toContain(
          'fleetd_service_sync_status{source="default",fleet="p1",service="app",status="Synced"} 1',
        )

        // The same revision is not loaded again: the memo holds every project of it.
        t.write({ "services/p0/compose.yaml": app("changed on disk, not in a commit") })
        yield* projectsPass(["poll"])
        expect(ids()["p0-app"]).toBe(before["p0-app"])

        t.write({ "services/p0": null, "services/p2/compose.yaml": app("1") })
        t.source.revision = "r3"
        t.world.calls = []
        yield* projectsPass(["poll"])
        const orphaned = yield* status.get
        assert.deepStrictEqual(orphaned.orphaned, [
          { fleet: "p0", dir: "services/p0", containers: ["p0-app"], pruned: false },
        ])
        assert.deepStrictEqual(mutatingCalls(t.world), [])
      }).pipe(Effect.provide(t.layer))
    },
  )
  it.effect("an engine it cannot observe fails the pass: status says so in the pass's one write", () => {
    const t = setup(2)
    t.world.unavailableFor = 1_000_000
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(projectsPass(["startup"]))
      // Each engine call is retried with backoff on the clock before the pass gives up;
      // the projects are read from disk meanwhile, in real time.
      for (let round = 0; round < 6000 && fiber.pollUnsafe() === undefined; round++) {
        yield* TestClock.adjust("10 seconds")
        yield* Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))
      }
      const outcome = yield* Fiber.join(fiber)
      assert.deepStrictEqual(outcome, { result: "error", retry: true })
      const s = yield* (yield* StatusStore).get
      assert.strictEqual(s.phase, "Failing")
      assert.strictEqual(s.engine.reachable, false)
      assert.strictEqual(s.engine.error, s.lastPass?.error)
      assert.strictEqual(s.lastPass?.result, "error")
      assert.deepStrictEqual(mutatingCalls(t.world), [])
    }).pipe(Effect.provide(t.layer))
  })
})

describe("a pass over projects and failed builds", () => {
  it.effect("a project's failed build is not built again while another project passes", () => {
    const t = setup(2)
    t.write({
      "services/p1/compose.yaml":
        "services:\n  app:\n    image: fleetd-test/broken:v1\n    build: .\n    x-fleetd:\n      update:\n        min_ready: 0s\n",
      "services/p1/Dockerfile": "FROM scratch\n",
    })
    t.world.buildFailures.set("fleetd-test/broken:v1", "unknown instruction: RUNN")
    return Effect.gen(function* () {
      yield* projectsPass(["startup"])
      assert.isTrue(t.world.calls.some((c) => c.startsWith("build")))
      for (const trigger of ["poll", "poll", "poll"]) {
        t.world.calls = []
        yield* projectsPass([trigger])
        assert.deepStrictEqual(
          t.world.calls.filter((c) => c.startsWith("build")),
          [],
        )
      }
    }).pipe(Effect.provide(t.layer))
  })
})

describe("a pass over projects and the fleet lease", () => {
  it.effect("a project whose lease another fleetd holds waits alone, and the pass asks again soon", () => {
    const t = setup(2)
    foreignLease(t.world, "p1")
    return Effect.gen(function* () {
      const outcome = yield* projectsPass(["startup"])
      assert.deepStrictEqual(
        t.world.containers.map((c) => c.name),
        ["p0-app"],
      )
      const status = yield* (yield* StatusStore).get
      assert.deepStrictEqual(
        status.projects?.map((p) => [p.fleet, p.phase]),
        [
          ["p0", "Synced"],
          ["p1", "Waiting"],
        ],
      )
      // Every third of the expiry, not at the next poll.
      assert.strictEqual(outcome.waitMs, 10_000)
      const leases = yield* (yield* FleetLease).views
      assert.deepStrictEqual(
        leases.map((l) => [l.fleet, l.held, l.holder.host]),
        [
          ["p0", true, leases[0]?.holder.host],
          ["p1", false, "box-2"],
        ],
      )
    }).pipe(Effect.provide(t.layer))
  })
})
