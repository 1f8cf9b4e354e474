import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Latch, Layer } from "effect"
import { TestClock } from "effect/testing"
import { DaemonConfig, type DaemonSettings } from "../../src/config/DaemonConfig.ts"
import { awaitPass } from "../../src/daemon/awaitPass.ts"
import { defaultLeaseTtl, FleetLease } from "../../src/daemon/FleetLease.ts"
import { PassMemory } from "../../src/daemon/PassMemory.ts"
import { runLoop } from "../../src/daemon/runLoop.ts"
import { notReadyReasons, StatusStore } from "../../src/daemon/StatusStore.ts"
import { Metrics } from "../../src/observability/Metrics.ts"
import { ManifestSource, type Signer, SourceError } from "../../src/source/ManifestSource.ts"
import { FileWatcher } from "../../src/triggers/FileWatcher.ts"
import { Triggers } from "../../src/triggers/Triggers.ts"
import { emptyWorld, type FakeWorld, fakeEngineLayer, mutatingCalls } from "../support/FakeEngine.ts"
import { imageIds } from "../support/fixtures.ts"
import { foreignLease } from "../support/foreignLease.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]`

/**
 * A source whose files and revision a test sets, whose syncs it counts, and which a latch
 * can hold; with `withPoll`, it also has a `poll` (GitSource's cheaper check), counted apart.
 */
const makeSource = (dir: string, withPoll = false) => {
  const state = {
    revision: "r1",
    syncs: 0,
    polls: 0,
    down: false,
    gate: undefined as Latch.Latch | undefined,
    /** --verify-commits refuses the revision. */
    refused: false,
    signer: undefined as Signer | undefined,
  }
  const answer = Effect.gen(function* () {
    if (state.gate !== undefined) yield* state.gate.await
    if (state.down) return yield* new SourceError({ reason: "Unavailable", message: "remote down" })
    if (state.refused)
      return yield* new SourceError({
        reason: "Unverified",
        revision: state.revision,
        message: `commit ${state.revision} is refused by --verify-commits: it is not signed`,
      })
    return {
      revision: state.revision,
      root: dir,
      ...(state.signer === undefined ? {} : { signer: state.signer }),
    }
  })
  const layer = Layer.succeed(ManifestSource)({
    describe: { kind: "dir", location: dir, ref: "-" },
    sync: Effect.suspend(() => {
      state.syncs++
      return answer
    }),
    ...(withPoll
      ? {
          poll: Effect.suspend(() => {
            state.polls++
            return answer
          }),
        }
      : {}),
  })
  return { state, layer }
}

const settings = (dir: string): DaemonSettings => ({
  source: { _tag: "Dir", dir },
  path: "fleet.yaml",
  fleet: "t",
  interval: Duration.seconds(60),
  listen: { host: "127.0.0.1", port: 0 },
  dataDir: dir,
  engine: undefined,
  allowEmpty: false,
  concurrency: 2,
  webhookSecrets: {},
  webhookMaxBytes: 1024,
  logLevel: "info",
  logFormat: "json",
})

const setup = (withPoll = false) => {
  const dir = mkdtempSync(join(tmpdir(), "fleetd-loop-"))
  const write = (env: string) =>
    writeFileSync(
      join(dir, "fleet.yaml"),
      // min_ready 0s: the fake containers never exit, and a gate's wait would stand on the test clock.
      `services:\n  web:\n    image: fleetd-test/app:v1\n    command: ${idle}\n    environment:\n      A: "${env}"\n    x-fleetd:\n      update:\n        min_ready: 0s\n`,
    )
  write("1")
  const source = makeSource(dir, withPoll)
  const world: FakeWorld = emptyWorld()
  world.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
  const services = Layer.mergeAll(
    Triggers.layer,
    StatusStore.layer("t"),
    PassMemory.layer,
    Layer.succeed(DaemonConfig)(settings(dir)),
    FileWatcher.none,
    NodeFileSystem.layer,
    FleetLease.layer({ ttl: defaultLeaseTtl, command: "run" }),
  ).pipe(Layer.provideMerge(Layer.mergeAll(source.layer, Metrics.layer, fakeEngineLayer(world))))
  return { dir, write, source, world, services }
}

/** Real time passes (manifests are read from disk) while the test clock stands still. */
const tick = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))

/**
 * A deadline on real time, not a timing check: generous, as a loaded CI machine can take
 * seconds to read a manifest from disk (400 ticks, once the limit, were not always enough).
 */
const deadline = () => {
  const end = Date.now() + 30_000
  return () => Date.now() < end
}

/**
 * Waits (in real time, with a deadline) until the loop is idle: no pass running, the
 * next one scheduled, and nothing changing for a few ticks.
 */
const settle = Effect.gen(function* () {
  const store = yield* StatusStore
  let quiet = 0
  let last = ""
  for (const inTime = deadline(); inTime() && quiet < 4; ) {
    yield* tick
    const s = yield* store.get
    const now = `${s.phase}|${s.lastPass?.startedAt}|${s.lastPass?.finishedAt}|${s.nextPassAt}`
    quiet = s.phase !== "Reconciling" && s.lastPass?.finishedAt !== undefined && now === last ? quiet + 1 : 0
    last = now
  }
  if (quiet < 4) return yield* Effect.die(new Error("the loop did not settle within 30 s"))
})

/** Waits in real time, with a deadline, until `done()` holds. */
const until = (done: () => boolean) =>
  Effect.gen(function* () {
    for (const inTime = deadline(); inTime() && !done(); ) yield* tick
    if (!done()) return yield* Effect.die(new Error("condition not met within 30 s"))
  })

describe("the loop", () => {
  it.effect("runs a pass at startup, then one per poll interval", () => {
    const t = setup()
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(runLoop)
      yield* settle
      assert.strictEqual(t.source.state.syncs, 1)
      assert.deepStrictEqual(
        t.world.containers.map((c) => c.name),
        ["t-web"],
      )
      yield* TestClock.adjust("30 seconds")
      yield* settle
      assert.strictEqual(t.source.state.syncs, 1)
      yield* TestClock.adjust("40 seconds")
      yield* settle
      assert.strictEqual(t.source.state.syncs, 2)
      const status = yield* (yield* StatusStore).get
      assert.strictEqual(status.phase, "Synced")
      assert.deepStrictEqual(notReadyReasons(status), [])
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(t.services))
  })

  it.effect(
    "runs one follow-up pass for ten triggers that arrive during a pass, and cuts the idle wait short",
    () => {
      const t = setup()
      return Effect.gen(function* () {
        const triggers = yield* Triggers
        const gate = yield* Latch.make(false)
        t.source.state.gate = gate
        const fiber = yield* Effect.forkChild(runLoop)
        yield* until(() => t.source.state.syncs === 1)
        for (let i = 0; i < 10; i++) yield* triggers.request("webhook:github")
        yield* gate.open
        // The follow-up waits out the spacing from the start of the first pass...
        yield* settle
        assert.strictEqual(t.source.state.syncs, 1)
        yield* TestClock.adjust("1 second")
        yield* settle
        assert.strictEqual(t.source.state.syncs, 2)
        yield* TestClock.adjust("5 seconds")
        yield* settle
        assert.strictEqual(t.source.state.syncs, 2)
        // ...and once that has passed, a trigger starts a pass at once, long before the poll.
        yield* triggers.request("file")
        yield* settle
        assert.strictEqual(t.source.state.syncs, 3)
        yield* Fiber.interrupt(fiber)
      }).pipe(Effect.provide(t.services))
    },
  )

  it.effect(
    "numbers passes; a request during a pass is told the follow-up's id, whose result names what changed",
    () => {
      const t = setup()
      return Effect.gen(function* () {
        const triggers = yield* Triggers
        const store = yield* StatusStore
        const gate = yield* Latch.make(false)
        t.source.state.gate = gate
        const fiber = yield* Effect.forkChild(runLoop)
        yield* until(() => t.source.state.syncs === 1)
        assert.strictEqual((yield* store.get).lastPass?.id, 1)
        // Pass 1 is running: a request now is served by the follow-up, pass 2.
        const id = yield* triggers.request("api")
        assert.strictEqual(id, 2)
        assert.strictEqual(yield* triggers.request("webhook:github"), 2)
        const waiter = yield* Effect.forkChild(awaitPass(id, "5 minutes"))
        yield* gate.open
        yield* settle
        t.write("2")
        t.source.state.revision = "r2"
        yield* TestClock.adjust("1 second")
        yield* settle
        yield* TestClock.adjust("100 millis")
        const awaited = yield* Fiber.join(waiter)
        const pass = awaited._tag === "Finished" ? awaited.pass : undefined
        assert.strictEqual(pass?.id, 2)
        assert.deepStrictEqual(pass?.triggers, ["api", "webhook:github"])
        assert.strictEqual(pass?.result, "success")
        assert.deepStrictEqual(pass?.changes, [
          {
            service: "web",
            outcome: "replaced",
            reason: "spec changed",
            fields: ["environment.A"],
            fromRevision: "r1",
            toRevision: "r2",
          },
        ])
        // The idle daemon's next request is the next pass; a new image is named by its ids.
        writeFileSync(
          join(t.dir, "fleet.yaml"),
          `services:\n  web:\n    image: fleetd-test/app:v2\n    command: ${idle}\n    environment:\n      A: "2"\n    x-fleetd:\n      update:\n        min_ready: 0s\n`,
        )
        t.source.state.revision = "r3"
        yield* TestClock.adjust("1 second")
        assert.strictEqual(yield* triggers.request("api"), 3)
        yield* settle
        assert.deepStrictEqual((yield* store.get).lastPass?.changes, [
          {
            service: "web",
            outcome: "replaced",
            reason: "spec changed",
            fields: ["image"],
            fromRevision: "r2",
            toRevision: "r3",
            fromImage: "sha256:aaaa",
            toImage: "sha256:bbbb",
          },
        ])
        yield* Fiber.interrupt(fiber)
      }).pipe(Effect.provide(t.services))
    },
  )

  it.effect("checks digests for an image push without fetching the source again", () => {
    const t = setup()
    return Effect.gen(function* () {
      const triggers = yield* Triggers
      const store = yield* StatusStore
      const fiber = yield* Effect.forkChild(runLoop)
      yield* settle
      assert.strictEqual(t.source.state.syncs, 1)
      yield* TestClock.adjust("10 seconds")
      yield* triggers.request("image:registry")
      yield* settle
      assert.deepStrictEqual((yield* store.get).lastPass?.triggers, ["image:registry"])
      assert.strictEqual(t.source.state.syncs, 1)
      yield* TestClock.adjust("10 seconds")
      yield* triggers.request("webhook:github")
      yield* settle
      assert.strictEqual(t.source.state.syncs, 2)
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(t.services))
  })

  it.effect("a pass only the poll interval started polls the source; start-up and webhooks sync", () => {
    const t = setup(true)
    return Effect.gen(function* () {
      const triggers = yield* Triggers
      const fiber = yield* Effect.forkChild(runLoop)
      yield* settle
      assert.deepStrictEqual([t.source.state.syncs, t.source.state.polls], [1, 0])
      yield* TestClock.adjust("70 seconds")
      yield* settle
      assert.deepStrictEqual([t.source.state.syncs, t.source.state.polls], [1, 1])
      yield* TestClock.adjust("10 seconds")
      yield* triggers.request("webhook:github")
      yield* settle
      assert.deepStrictEqual([t.source.state.syncs, t.source.state.polls], [2, 1])
      t.source.state.revision = "r2"
      t.write("2")
      yield* TestClock.adjust("70 seconds")
      yield* settle
      assert.deepStrictEqual([t.source.state.syncs, t.source.state.polls], [2, 2])
      assert.strictEqual((yield* (yield* StatusStore).get).lastAppliedRevision, "r2")
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(t.services))
  })

  it.effect("stalls on an invalid revision without touching containers, and converges on the fix", () => {
    const t = setup()
    return Effect.gen(function* () {
      const triggers = yield* Triggers
      const store = yield* StatusStore
      const fiber = yield* Effect.forkChild(runLoop)
      yield* settle
      const before = JSON.stringify(t.world.containers)
      writeFileSync(
        join(t.dir, "fleet.yaml"),
        "services:\n  web:\n    image: fleetd-test/app:v1\n    bogus: 1\n",
      )
      t.source.state.revision = "r2"
      yield* TestClock.adjust("1 second")
      yield* triggers.request("webhook:github")
      yield* settle
      let status = yield* store.get
      assert.strictEqual(status.phase, "Stalled")
      assert.deepStrictEqual(status.stalled?.issues, [
        'fleet.yaml:4:5: services.web.bogus: unknown or unsupported service field "bogus" (fleetd accepts a subset of Compose (see schemas/fleet.schema.json); put extensions under x-*)',
      ])
      assert.isTrue(notReadyReasons(status).some((r) => r.startsWith("stalled at revision r2")))
      assert.strictEqual(JSON.stringify(t.world.containers), before)
      // The same revision is not read again...
      yield* TestClock.adjust("1 second")
      yield* triggers.request("webhook:github")
      yield* settle
      assert.strictEqual((yield* store.get).lastPass?.result, "skipped")
      // ...a new one is.
      t.write("2")
      t.source.state.revision = "r3"
      yield* TestClock.adjust("1 second")
      yield* triggers.request("webhook:github")
      yield* settle
      status = yield* store.get
      assert.strictEqual(status.phase, "Synced")
      assert.strictEqual(status.stalled, undefined)
      assert.strictEqual(status.lastAppliedRevision, "r3")
      assert.strictEqual(t.world.containers[0]?.spec?.env[0], "A=2")
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(t.services))
  })

  it.effect(
    "stalls on a revision --verify-commits refuses, tells it once, and applies it once its signer is trusted",
    () => {
      const t = setup()
      return Effect.gen(function* () {
        const triggers = yield* Triggers
        const store = yield* StatusStore
        const fiber = yield* Effect.forkChild(runLoop)
        yield* settle
        const before = JSON.stringify(t.world.containers)
        t.write("2")
        t.source.state.revision = "r2"
        t.source.state.refused = true
        yield* TestClock.adjust("1 second")
        yield* triggers.request("webhook:github")
        yield* settle
        let status = yield* store.get
        assert.strictEqual(status.phase, "Stalled")
        assert.deepStrictEqual(status.stalled, {
          revision: "r2",
          reason: "commit r2 is refused by --verify-commits: it is not signed",
          issues: [],
          unverified: true,
        })
        assert.strictEqual(status.lastPass?.result, "stalled")
        assert.isTrue(notReadyReasons(status).some((r) => r.startsWith("stalled at revision r2")))
        assert.strictEqual(JSON.stringify(t.world.containers), before)
        // Asked again (the keys file may have changed), but told once: the next pass is skipped.
        yield* TestClock.adjust("1 second")
        yield* triggers.request("webhook:github")
        yield* settle
        assert.strictEqual((yield* store.get).lastPass?.result, "skipped")
        assert.strictEqual(JSON.stringify(t.world.containers), before)
        // The operator trusts the signer: the same revision goes through, no new commit needed.
        t.source.state.refused = false
        t.source.state.signer = {
          format: "ssh",
          fingerprint: "SHA256:abc",
          principal: "alice@example.com",
          object: "commit",
        }
        yield* TestClock.adjust("1 second")
        yield* triggers.request("webhook:github")
        yield* settle
        status = yield* store.get
        assert.strictEqual(status.phase, "Synced")
        assert.strictEqual(status.stalled, undefined)
        assert.strictEqual(status.lastAppliedRevision, "r2")
        assert.deepStrictEqual(status.verified, {
          revision: "r2",
          format: "ssh",
          fingerprint: "SHA256:abc",
          principal: "alice@example.com",
          object: "commit",
        })
        assert.strictEqual(t.world.containers[0]?.spec?.env[0], "A=2")
        const metrics = (yield* (yield* Metrics).render).body
        assert.include(
          metrics,
          'fleetd_revision_signer_info{source="default",format="ssh",fingerprint="SHA256:abc",principal="alice@example.com"} 1',
        )
        yield* Fiber.interrupt(fiber)
      }).pipe(Effect.provide(t.services))
    },
  )

  it.effect("backs off while the source is down, and reports it", () => {
    const t = setup()
    return Effect.gen(function* () {
      t.source.state.down = true
      const fiber = yield* Effect.forkChild(runLoop)
      yield* settle
      assert.strictEqual(t.source.state.syncs, 1)
      const status = yield* (yield* StatusStore).get
      assert.strictEqual(status.phase, "Failing")
      assert.strictEqual(status.lastPass?.error, "remote down")
      assert.deepStrictEqual(notReadyReasons(status), [
        "no pass has completed yet",
        "the last pass failed: remote down",
      ])
      // Retries come after ~1 s, ~2 s, ~4 s (±20%), not after the 60 s poll interval.
      yield* TestClock.adjust("1300 millis")
      yield* settle
      assert.strictEqual(t.source.state.syncs, 2)
      yield* TestClock.adjust("2500 millis")
      yield* settle
      assert.strictEqual(t.source.state.syncs, 3)
      t.source.state.down = false
      yield* TestClock.adjust("5 seconds")
      yield* settle
      assert.strictEqual(t.source.state.syncs, 4)
      assert.strictEqual((yield* (yield* StatusStore).get).phase, "Synced")
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(t.services))
  })

  it.effect("says on /ready that the engine is unreachable, keeps retrying, and recovers", () => {
    const t = setup()
    return Effect.gen(function* () {
      const store = yield* StatusStore
      t.world.unavailableFor = 1_000_000
      const fiber = yield* Effect.forkChild(runLoop)
      // The pass retries each engine call with backoff before it gives up.
      yield* until(() => t.world.calls.length > 0)
      // Moves the clock through the backoffs until the pass gives up (as many steps as a
      // loaded machine needs to run the retries between them).
      for (const inTime = deadline(); inTime() && (yield* store.get).phase !== "Failing"; ) {
        yield* TestClock.adjust("10 seconds")
        yield* tick
      }
      yield* settle
      const down = yield* store.get
      assert.strictEqual(down.phase, "Failing")
      assert.strictEqual(down.engine.reachable, false)
      assert.isTrue(notReadyReasons(down).some((r) => r.startsWith("container engine unreachable")))
      t.world.unavailableFor = 0
      yield* TestClock.adjust("70 seconds")
      yield* settle
      const up = yield* store.get
      assert.strictEqual(up.phase, "Synced")
      assert.strictEqual(up.engine.reachable, true)
      assert.deepStrictEqual(notReadyReasons(up), [])
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(t.services))
  })
})

describe("the loop and the fleet lease", () => {
  it.effect(
    "waits while another fleetd holds the fleet's lease, says who, and takes over once it expires",
    () => {
      const t = setup()
      foreignLease(t.world, "t")
      return Effect.gen(function* () {
        const store = yield* StatusStore
        const lease = yield* FleetLease
        const fiber = yield* Effect.forkChild(runLoop)
        yield* until(() => t.world.calls.some((c) => c.startsWith("listVolumesLabelled")))
        yield* tick
        const waiting = { ...(yield* store.get), leases: yield* lease.views }
        assert.strictEqual(waiting.phase, "Waiting")
        assert.deepStrictEqual(mutatingCalls(t.world), [])
        assert.isTrue(
          notReadyReasons(waiting).some((r) =>
            r.startsWith("waiting for the lease of fleet t: held by fleetd run on box-2 (pid 4242"),
          ),
        )
        for (let i = 0; i < 29; i++) {
          yield* TestClock.adjust("1 second")
          yield* tick
        }
        assert.deepStrictEqual(t.world.containers, [])
        for (let i = 0; i < 3; i++) {
          yield* TestClock.adjust("1 second")
          yield* tick
        }
        yield* settle
        assert.strictEqual((yield* store.get).phase, "Synced")
        assert.deepStrictEqual(
          t.world.containers.map((c) => c.name),
          ["t-web"],
        )
        assert.deepStrictEqual(
          (yield* lease.views).map((v) => [v.fleet, v.held]),
          [["t", true]],
        )
        // The dead holder's record is gone; only ours is left.
        assert.deepStrictEqual(
          [...t.world.volumes.keys()].filter((n) => n.startsWith("fleetd-lease-")),
          ["fleetd-lease-t-2"],
        )
        yield* Fiber.interrupt(fiber)
      }).pipe(Effect.provide(t.services))
    },
  )
})
