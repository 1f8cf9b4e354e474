import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Schedule, Scope } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { FleetStatus, PassStatus } from "../../../src/domain/FleetStatus.ts"
import { makePassJournal, processRun } from "../../../src/history/PassJournal.ts"

let dir = ""
let path = ""
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fleetd-history-"))
  path = join(dir, "history.jsonl")
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const status = (fleet = "a"): FleetStatus => ({
  fleet,
  source: { kind: "git", location: "file:///repo.git", ref: "main" },
  phase: "Synced",
  engine: { reachable: true },
  services: [],
})

const pass = (id: number, revision = `r${id}`, outcome = "replaced"): PassStatus => ({
  id,
  triggers: ["poll"],
  startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, id)).toISOString(),
  finishedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, id, 500)).toISOString(),
  durationMs: 500,
  result: "success",
  revision,
  changes: [{ service: "web", outcome }],
})

/** Opens the journal, records the passes, and closes it (which waits for the writes). */
const session = (passes: ReadonlyArray<readonly [PassStatus, FleetStatus]>, limit = 500) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const journal = yield* makePassJournal(path, { source: "main", limit }).pipe(Scope.provide(scope))
      for (const [p, s] of passes) yield* journal.record(p, s)
      yield* Scope.close(scope, Effect.void as never)
      return journal
    }),
  )

const readBack = () =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(makePassJournal(path, { source: "main", limit: 500 }), (j) => j.read)),
  )

describe("the pass journal", () => {
  it("appends one line per pass and reads them back after a restart, oldest first", async () => {
    await session([
      [pass(1), status()],
      [pass(2), status()],
    ])
    await session([[pass(1, "r3"), status()]])
    const entries = await readBack()
    expect(entries.map((e) => [e.id, e.revision])).toEqual([
      [1, "r1"],
      [2, "r2"],
      [1, "r3"],
    ])
    expect(entries[0]).toMatchObject({ source: "main", fleets: ["a"], run: processRun, triggers: ["poll"] })
    expect((await readFile(path, "utf8")).split("\n")).toHaveLength(4)
  })

  it("serves reads from memory, bounded like the file: the page's live updates never read it", async () => {
    await session([[pass(1), status("quiet")]])
    const ids = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const journal = yield* makePassJournal(path, { source: "main", limit: 3 })
          for (let i = 2; i <= 60; i++) yield* journal.record(pass(i), status("busy"))
          // Gone from the disk: what was read at start-up and recorded since is still served.
          yield* Effect.promise(() => rm(path, { force: true }))
          return (yield* journal.read).map((e) => e.id)
        }),
      ),
    )
    expect(ids[0]).toBe(1)
    expect(ids.at(-1)).toBe(60)
    expect(ids.length).toBeLessThanOrEqual(1 + 3 + 16)
  })

  it("reads what was recorded since its last read", async () => {
    const counts = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const journal = yield* makePassJournal(path, { source: "main", limit: 500 })
          const seen = [(yield* journal.read).length]
          for (const id of [1, 2]) {
            yield* journal.record(pass(id), status())
            const read = journal.read.pipe(
              Effect.filterOrFail((entries) => entries.length === id),
              Effect.retry({ times: 200, schedule: Schedule.spaced("5 millis") }),
            )
            seen.push((yield* read).length)
          }
          return seen
        }),
      ),
    )
    expect(counts).toEqual([0, 1, 2])
  })

  it("does not record a pass that changed nothing and ended like the previous one", async () => {
    await session([
      [pass(1), status()],
      [pass(2, "r1", "unchanged"), status()],
      [pass(3, "r1", "unchanged"), status()],
      [pass(4, "r4", "unchanged"), status()],
    ])
    expect((await readBack()).map((e) => e.id)).toEqual([1, 4])
  })

  it("keeps the last N passes per fleet: one busy fleet does not push out another's", async () => {
    const passes: Array<readonly [PassStatus, FleetStatus]> = [[pass(1), status("quiet")]]
    for (let i = 2; i <= 60; i++) passes.push([pass(i), status("busy")])
    await session(passes, 3)
    const lines = (await readFile(path, "utf8")).trim().split("\n")
    // Rotated on the way: at most the bound plus the slack (16) per fleet between rotations.
    expect(lines.length).toBeLessThanOrEqual(1 + 3 + 16)
    const entries = await readBack()
    expect(entries[0]?.fleets).toEqual(["quiet"])
    expect(entries.at(-1)?.id).toBe(60)
    expect(await stat(`${path}.tmp`).catch(() => undefined)).toBeUndefined()
  })

  it("drops a torn last record at start-up and cuts the file back to the last good line", async () => {
    await session([
      [pass(1), status()],
      [pass(2), status()],
    ])
    const good = (await readFile(path)).length
    await appendFile(path, '{"source":"main","fleets":["a"],"run":"20')
    expect((await readBack()).map((e) => e.id)).toEqual([1, 2])
    expect((await readFile(path)).length).toBe(good)
    await session([[pass(3), status()]])
    expect((await readBack()).map((e) => e.id)).toEqual([1, 2, 3])
  })

  it("drops an invalid complete last line too", async () => {
    await session([[pass(1), status()]])
    const good = (await readFile(path)).length
    await appendFile(path, '{"source":"main"}\n')
    expect((await readBack()).map((e) => e.id)).toEqual([1])
    expect((await readFile(path)).length).toBe(good)
  })

  it("skips a corrupt line in the middle and keeps what follows", async () => {
    await session([[pass(1), status()]])
    const line = await readFile(path, "utf8")
    await appendFile(path, `not json at all\n${line.replace('"id":1', '"id":2')}`)
    await session([[pass(3), status()]])
    expect((await readBack()).map((e) => e.id)).toEqual([1, 2, 3])
    expect(await readFile(path, "utf8")).toContain("not json at all")
  })

  it("never fails on a directory it cannot create or a file it cannot read", async () => {
    const blocker = join(dir, "a-file")
    await writeFile(blocker, "")
    path = join(blocker, "sub", "history.jsonl")
    await session([[pass(1), status()]])
    expect(await readBack()).toEqual([])
  })

  it("creates its directory on the first record", async () => {
    path = join(dir, "sources", "main", "history.jsonl")
    await session([[pass(1), status()]])
    expect((await readBack()).map((e) => e.id)).toEqual([1])
  })
})
