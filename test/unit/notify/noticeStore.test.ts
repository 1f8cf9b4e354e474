import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import type { FleetStatus, ServiceStatus } from "../../../src/domain/FleetStatus.ts"
import { decodeNotices, encodeNotices, NoticeStore } from "../../../src/notify/NoticeStore.ts"
import { Notifier } from "../../../src/notify/Notifier.ts"
import type { NotifyEvent } from "../../../src/notify/NotifyEvent.ts"
import { SourceNotices } from "../../../src/notify/SourceNotices.ts"
import { defaultNoticeOptions, type NoticeMemory } from "../../../src/notify/stateChanges.ts"

const sha = "a".repeat(40)
const svc = (sync: ServiceStatus["sync"]): ServiceStatus => ({
  name: "web",
  image: "img",
  sync,
  health: "Healthy",
  ...(sync === "RolledBack" ? { lastError: { at: "t", message: "health gate failed" } } : {}),
})
const status = (sync: ServiceStatus["sync"]): FleetStatus => ({
  fleet: "shop",
  source: { kind: "git", location: "repo", ref: "main" },
  phase: sync === "Synced" ? "Synced" : "Degraded",
  engine: { reachable: true },
  services: [svc(sync)],
  lastAppliedRevision: sha,
  lastAttemptedRevision: sha,
})

/** One daemon's life: a SourceNotices over the file, its statuses observed in order → the kinds offered. */
const life = (path: string, statuses: ReadonlyArray<FleetStatus>) => {
  const offered: Array<NotifyEvent> = []
  const notifier = Layer.succeed(Notifier)(
    Notifier.of({
      notice: defaultNoticeOptions,
      offer: (events) => Effect.sync(() => void offered.push(...events)),
      status: Effect.succeed([]),
    }),
  )
  return Effect.runPromise(
    Effect.gen(function* () {
      const notices = yield* SourceNotices
      for (const s of statuses) yield* notices.observe(s)
      return offered.map((e) => e.kind)
    }).pipe(
      Effect.provide(
        SourceNotices.layer("main").pipe(Layer.provide(Layer.merge(notifier, NoticeStore.file(path)))),
      ),
    ),
  )
}

const memory: NoticeMemory = {
  services: new Map([
    ["shop/web", "RolledBack"],
    ["shop/db", "ok"],
  ]),
  stalled: new Map([["shop", sha]]),
  applied: new Map([["shop", sha]]),
  failing: { since: 1, told: true },
  rollout: { revision: sha, state: "failure" },
}

describe("the notices file", () => {
  let dir = ""
  afterEach(() => rm(dir, { recursive: true, force: true }))
  const fresh = async () => {
    dir = await mkdtemp(join(tmpdir(), "fleetd-notices-"))
    return join(dir, "notices.json")
  }

  it("round-trips the memory; a torn, edited or foreign file reads as nothing", () => {
    const text = encodeNotices(memory)
    expect(decodeNotices(text)).toEqual(memory)
    expect(encodeNotices(decodeNotices(text) ?? memory)).toBe(text)
    expect(decodeNotices(text.slice(0, text.length - 10))).toBeUndefined()
    expect(decodeNotices("")).toBeUndefined()
    expect(decodeNotices(JSON.stringify({ version: 2, services: {} }))).toBeUndefined()
    expect(decodeNotices(text.replace('"RolledBack"', '"Exploded"'))).toBeUndefined()
  })

  it("after a restart, a state already told is not told again; a change across the restart is", async () => {
    const path = await fresh()
    expect(await life(path, [status("Synced"), status("RolledBack"), status("RolledBack")])).toEqual([
      "ServiceRolledBack",
    ])
    // Restarted, still rolled back: nothing. Then it recovers: told once.
    expect(await life(path, [status("RolledBack"), status("RolledBack")])).toEqual([])
    expect(await life(path, [status("Synced"), status("Synced")])).toEqual(["ServiceRecovered"])
    // Rolled back again while fleetd was down: the first pass after the restart tells it.
    expect(await life(path, [status("RolledBack")])).toEqual(["ServiceRolledBack"])
    // Written atomically: no temporary file is left behind.
    expect(await readdir(dir)).toEqual(["notices.json"])
    expect(decodeNotices(await readFile(path, "utf8"))?.services.get("shop/web")).toBe("RolledBack")
  })

  it("a torn file is ignored with a warning, never fatal: the state is told again, then saved whole", async () => {
    const path = await fresh()
    await life(path, [status("RolledBack")])
    const whole = await readFile(path, "utf8")
    await writeFile(path, whole.slice(0, 20))
    expect(await life(path, [status("RolledBack")])).toEqual(["ServiceRolledBack"])
    expect(await readFile(path, "utf8")).toBe(whole)
  })
})
