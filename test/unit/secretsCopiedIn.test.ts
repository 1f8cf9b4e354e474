import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import type { DesiredService } from "../../src/domain/DesiredState.ts"
import type { FileGrant } from "../../src/domain/FileGrant.ts"
import { sha256Hex } from "../../src/domain/specHash.ts"
import { tarArchive } from "../../src/engine/tarArchive.ts"
import { planService } from "../../src/planner/planService.ts"
import { type ReconcileOptions, reconcile } from "../../src/reconciler/reconcile.ts"
import { emptyWorld, type FakeWorld, fakeEngineLayer, mutatingCalls } from "../support/FakeEngine.ts"
import { desired, imageIds, running, service } from "../support/fixtures.ts"
import { readTar } from "../support/readTar.ts"

const options: ReconcileOptions = { revision: "rev1", allowEmpty: false, concurrency: 4 }
const world = (): FakeWorld => {
  const w = emptyWorld()
  w.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
  return w
}

const copied = (target: string, content: string, mode = 0o444, uid = 0, gid = 0): FileGrant => ({
  source: target.split("/").pop()!,
  target,
  from: { type: "content", sha256: sha256Hex(content), content: Redacted.make(content), uid, gid, mode },
})

const web = (token: string) =>
  service("web", {
    secrets: [
      copied("/run/secrets/token", token, 0o400, 1000, 1001),
      { source: "db", target: "/run/secrets/db", from: { type: "file", path: "/repo/db.txt" } },
    ],
    configs: [copied("/app.conf", "port=80\n")],
  })
const pass = (w: FakeWorld, token: string) =>
  reconcile(desired([web(token)]), options).pipe(Effect.provide(fakeEngineLayer(w)))
const filesIn = (w: FakeWorld, name: string) =>
  (w.containers.find((c) => c.name === name)?.archives ?? []).flatMap((a) => readTar(a.archive))

describe("tarArchive", () => {
  it("writes regular files with their mode and owner, and long paths through a PAX header", () => {
    const long = `run/secrets/${"d/".repeat(60)}x`
    const archive = tarArchive([
      {
        path: "run/secrets/a",
        content: new TextEncoder().encode("é1"),
        mode: 0o440,
        uid: 7,
        gid: 8,
        mtimeSeconds: 1,
      },
      { path: long, content: new Uint8Array(600).fill(65), mode: 0o644, uid: 0, gid: 0, mtimeSeconds: 1 },
    ])
    assert.strictEqual(archive.length % 512, 0)
    const files = readTar(archive)
    assert.deepStrictEqual(
      files.map((f) => [f.path, f.mode, f.uid, f.gid, f.content.length]),
      [
        ["run/secrets/a", 0o440, 7, 8, 2],
        [long, 0o644, 0, 0, 600],
      ],
    )
    assert.strictEqual(files[0]?.content, "é1")
  })
})

describe("secrets and configs given by value are copied in before every start", () => {
  it.effect("a first deployment copies them between create and start, in one archive", () =>
    Effect.gen(function* () {
      const w = world()
      yield* pass(w, "t0k3n")
      assert.deepStrictEqual(mutatingCalls(w), [
        "createContainer t-web--next",
        "putArchive t-web--next",
        "startContainer t-web--next",
        "renameContainer t-web--next t-web",
      ])
      assert.deepStrictEqual(
        filesIn(w, "t-web").map((f) => [f.path, f.mode, f.uid, f.gid, f.content]),
        [
          ["run/secrets/token", 0o400, 1000, 1001, "t0k3n"],
          ["app.conf", 0o444, 0, 0, "port=80\n"],
        ],
      )
    }),
  )

  it.effect(
    "a changed value replaces the container, and the new one gets the new value before it starts",
    () =>
      Effect.gen(function* () {
        const w = world()
        yield* pass(w, "one")
        w.calls.length = 0
        const { changes } = yield* pass(w, "two")
        const r = changes.services.find((s) => s.service === "web")
        assert.strictEqual(r?.outcome, "replaced")
        assert.deepStrictEqual(r?.changes, ["secrets"])
        assert.deepStrictEqual(mutatingCalls(w).slice(0, 3), [
          "createContainer t-web--next",
          "putArchive t-web--next",
          "startContainer t-web--next",
        ])
        assert.deepStrictEqual(
          filesIn(w, "t-web").map((f) => f.content),
          ["two", "port=80\n"],
        )
      }),
  )

  it.effect(
    "a stopped container is given its files again before it is started (a crash may have come between)",
    () =>
      Effect.gen(function* () {
        const w = world()
        yield* pass(w, "one")
        const c = w.containers.find((x) => x.name === "t-web")!
        c.state = "exited"
        c.archives = []
        w.calls.length = 0
        yield* pass(w, "one")
        assert.deepStrictEqual(mutatingCalls(w), ["putArchive t-web", "startContainer t-web"])
        assert.deepStrictEqual(filesIn(w, "t-web").length, 2)
      }),
  )

  it("a planned Start carries the spec only when something is copied in", () => {
    const start = (svc: DesiredService) =>
      planService(svc, [running(svc, { state: "exited" })], imageIds[svc.spec.image]).find(
        (a) => a._tag === "Start",
      )
    const withValue = web("x")
    assert.strictEqual(start(withValue)?._tag === "Start" && start(withValue)?.spec, withValue.spec)
    assert.isFalse("spec" in (start(service("web")) ?? {}))
  })
})
