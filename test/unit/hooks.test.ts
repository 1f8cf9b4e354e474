import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type { DesiredService, HookStep, ServiceHooks } from "../../src/domain/DesiredState.ts"
import { Labels } from "../../src/domain/labels.ts"
import { plan } from "../../src/planner/plan.ts"
import type { ChangeSet } from "../../src/reconciler/ChangeSet.ts"
import { type ReconcileOptions, reconcile } from "../../src/reconciler/reconcile.ts"
import { emptyWorld, type FakeWorld, fakeEngineLayer, mutatingCalls } from "../support/FakeEngine.ts"
import { desired, imageIds, images, running, service, spec } from "../support/fixtures.ts"

const options: ReconcileOptions = { revision: "rev1", allowEmpty: false, concurrency: 4 }
const v2 = "fleetd-test/app:v2"

const world = (): FakeWorld => {
  const w = emptyWorld()
  w.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
  return w
}
const pass = (w: FakeWorld, svc: DesiredService) =>
  reconcile(desired([svc]), options).pipe(Effect.provide(fakeEngineLayer(w)))
const result = (changes: ChangeSet) => changes.services.find((s) => s.service === "web")
const names = (w: FakeWorld) => w.containers.map((c) => `${c.name}:${c.state}:${c.imageId}`).sort()

const run = (...command: Array<string>): HookStep => ({
  kind: "run",
  spec: spec({ command, networks: [] }),
  timeoutMs: 1_000,
})
const exec = (...command: Array<string>): HookStep => ({ kind: "exec", command, timeoutMs: 1_000 })
const web = (hooks: ServiceHooks, image = "fleetd-test/app:v1") => service("web", { image }, { hooks })

/** Deploys v1 (no hooks), then v2 with `hooks`; returns the second pass. */
const update = (w: FakeWorld, hooks: ServiceHooks) =>
  Effect.gen(function* () {
    yield* pass(w, web({}))
    w.calls.length = 0
    return yield* pass(w, web(hooks, v2))
  })

describe("pre_deploy", () => {
  it.effect(
    "a failing run step aborts the update: the old container is untouched, status has its code and output",
    () =>
      Effect.gen(function* () {
        const w = world()
        w.steps.set("sh -c exit 3", { exitCode: 3, output: "migrating\nno database" })
        const { changes } = yield* update(w, {
          pre_deploy: [run("sh", "-c", "exit 3")],
          on_failure: [exec("notify")],
        })
        const r = result(changes)
        assert.strictEqual(r?.outcome, "failed")
        assert.match(r?.reason ?? "", /x-fleetd\.hooks\.pre_deploy\[0\] \(run\) exited with code 3/)
        assert.strictEqual(r?.logs, "migrating\nno database")
        assert.deepStrictEqual(
          r?.hooks?.map((h) => [h.phase, h.step, h.ok, h.exitCode ?? null, h.outputTail ?? null]),
          [
            ["pre_deploy", 0, false, 3, "migrating\nno database"],
            ["on_failure", 0, true, 0, null],
          ],
        )
        assert.deepStrictEqual(mutatingCalls(w), [
          "runOnce pre_deploy fleetd-test/app:v1 sh -c exit 3",
          "exec t-web notify",
        ])
        assert.deepStrictEqual(names(w), ["t-web:running:sha256:aaaa"])
      }),
  )

  it.effect("an exec step runs in the old container, before anything is created", () =>
    Effect.gen(function* () {
      const w = world()
      const { changes } = yield* update(w, { pre_deploy: [exec("backup")] })
      assert.strictEqual(result(changes)?.outcome, "replaced")
      assert.deepStrictEqual(mutatingCalls(w).slice(0, 2), [
        "exec t-web backup",
        "createContainer t-web--next",
      ])
    }),
  )

  it.effect("an exec step on a first deployment is skipped (nothing runs yet) and the create proceeds", () =>
    Effect.gen(function* () {
      const w = world()
      const { changes } = yield* pass(w, web({ pre_deploy: [exec("backup")] }))
      assert.strictEqual(result(changes)?.outcome, "created")
      assert.deepStrictEqual(result(changes)?.hooks?.[0]?.skipped, true)
      assert.deepStrictEqual(mutatingCalls(w), [
        "createContainer t-web--next",
        "startContainer t-web--next",
        "renameContainer t-web--next t-web",
      ])
    }),
  )

  it.effect("a timeout or an engine error fails like a non-zero exit", () =>
    Effect.gen(function* () {
      const w = world()
      w.steps.set("slow", { timedOut: true, output: "still going" })
      w.steps.set("broken", { engineError: true })
      const slow = yield* update(w, { pre_deploy: [run("slow")] })
      assert.match(result(slow.changes)?.reason ?? "", /pre_deploy\[0\] \(run\) failed: timed out after 1s/)
      const broken = yield* pass(w, web({ pre_deploy: [exec("broken")] }, v2))
      assert.match(
        result(broken.changes)?.reason ?? "",
        /pre_deploy\[0\] \(exec\) failed: the engine refused/,
      )
      assert.deepStrictEqual(names(w), ["t-web:running:sha256:aaaa"])
    }),
  )
})

describe("post_deploy", () => {
  it.effect("runs in the new container once it holds the name, then the old one goes; once per change", () =>
    Effect.gen(function* () {
      const w = world()
      const hooks = { post_deploy: [exec("warm", "cache")] }
      const { changes } = yield* update(w, hooks)
      assert.strictEqual(result(changes)?.outcome, "replaced")
      assert.deepStrictEqual(mutatingCalls(w), [
        "createContainer t-web--next",
        "startContainer t-web--next",
        "renameContainer t-web t-web--prev",
        "renameContainer t-web--next t-web",
        "exec t-web warm cache",
        "stopContainer t-web--prev",
        "removeContainer t-web--prev",
      ])
      assert.strictEqual(result(changes)?.hooks?.[0]?.phase, "post_deploy")
      assert.deepStrictEqual(names(w), ["t-web:running:sha256:bbbb"])
      w.calls.length = 0
      const again = yield* pass(w, web(hooks, v2))
      assert.strictEqual(result(again.changes)?.outcome, "unchanged")
      assert.deepStrictEqual(mutatingCalls(w), [])
    }),
  )

  it.effect(
    "a failing step rolls back: the new container goes, the old one serves under its name again",
    () =>
      Effect.gen(function* () {
        const w = world()
        w.steps.set("smoke", { exitCode: 1, output: "GET / 500" })
        const { changes, rolledBack } = yield* update(w, {
          post_deploy: [exec("smoke")],
          on_failure: [run("alert")],
        })
        const r = result(changes)
        assert.strictEqual(r?.outcome, "rolled-back")
        assert.match(r?.reason ?? "", /post_deploy\[0\] \(exec\) exited with code 1; rolled back to t-web$/)
        assert.strictEqual(r?.logs, "GET / 500")
        assert.deepStrictEqual(mutatingCalls(w).slice(4), [
          "exec t-web smoke",
          "renameContainer t-web t-web--next",
          "stopContainer t-web--next",
          "renameContainer t-web--prev t-web",
          "removeContainer t-web--next",
          "runOnce on_failure fleetd-test/app:v1 alert",
        ])
        assert.deepStrictEqual(names(w), ["t-web:running:sha256:aaaa"])
        assert.strictEqual(rolledBack.size, 1)
      }),
  )

  it.effect("stop-first: after a failing step the old container is started again", () =>
    Effect.gen(function* () {
      const w = world()
      w.steps.set("smoke", { exitCode: 1 })
      const ports = [{ target: 80, protocol: "tcp", published: 8080 }] as const
      const hooks = { post_deploy: [exec("smoke")] }
      yield* pass(w, service("web", { ports }))
      const { changes } = yield* pass(w, service("web", { ports, image: v2 }, { hooks }))
      assert.strictEqual(result(changes)?.outcome, "rolled-back")
      assert.deepStrictEqual(names(w), ["t-web:running:sha256:aaaa"])
    }),
  )

  it.effect("with rollback: false the new container stays and the service is failed", () =>
    Effect.gen(function* () {
      const w = world()
      w.steps.set("smoke", { exitCode: 1 })
      yield* pass(w, web({}))
      const svc = service(
        "web",
        { image: v2 },
        {
          hooks: { post_deploy: [exec("smoke")] },
          update: { healthTimeoutMs: 1000, minReadyMs: 0, rollback: false },
        },
      )
      const { changes } = yield* pass(w, svc)
      assert.strictEqual(result(changes)?.outcome, "failed")
      assert.match(result(changes)?.reason ?? "", /kept as t-web \(rollback: false\)/)
      assert.deepStrictEqual(names(w), ["t-web:running:sha256:bbbb"])
    }),
  )

  it.effect("on a first deployment a failing step fails the service and keeps the container", () =>
    Effect.gen(function* () {
      const w = world()
      w.steps.set("smoke", { exitCode: 2 })
      const { changes } = yield* pass(w, web({ post_deploy: [exec("smoke")] }))
      assert.strictEqual(result(changes)?.outcome, "failed")
      assert.match(result(changes)?.reason ?? "", /exited with code 2; t-web was kept/)
    }),
  )
})

describe("when hooks run", () => {
  it.effect("not for a start, an unchanged service or a removal", () =>
    Effect.gen(function* () {
      const w = world()
      const hooks = { pre_deploy: [run("migrate")], post_deploy: [exec("warm")] }
      yield* pass(w, web(hooks))
      const c = w.containers[0]
      if (c !== undefined) c.state = "exited"
      w.calls.length = 0
      const started = yield* pass(w, web(hooks))
      assert.strictEqual(result(started.changes)?.outcome, "started")
      assert.deepStrictEqual(mutatingCalls(w), ["startContainer t-web"])
    }),
  )

  it("hook containers are never planned as a service's container or an orphan; leftovers are removed first", () => {
    const svc = service("web")
    const hook = (state: string) =>
      running(svc, {
        id: `hook-${state}`,
        name: `t-web--pre_deploy-0-${state}`,
        labels: { [Labels.fleet]: "t", [Labels.service]: "web", [Labels.hook]: "pre_deploy" },
        state,
      })
    const planned = plan(desired([svc]), {
      containers: [running(svc), hook("running"), hook("exited")],
      images,
    })
    assert.deepStrictEqual(
      planned.actions.map((a) => `${a._tag}${a._tag === "Remove" ? ` ${a.containerName} ${a.reason}` : ""}`),
      [
        "Remove t-web--pre_deploy-0-running leftover",
        "Remove t-web--pre_deploy-0-exited leftover",
        "Unchanged",
      ],
    )
    const gone = plan(desired([]), { containers: [hook("running")], images })
    assert.deepStrictEqual(
      gone.actions.map((a) => a._tag),
      ["Remove"],
    )
  })
})
