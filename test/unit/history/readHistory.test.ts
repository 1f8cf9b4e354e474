import { describe, expect, it } from "vitest"
import type { FleetStatus } from "../../../src/domain/FleetStatus.ts"
import { type HistoryEntry, historyEntry } from "../../../src/history/HistoryEntry.ts"
import { selectHistory } from "../../../src/history/readHistory.ts"
import { parseHistoryQuery } from "../../../src/http/historyQuery.ts"

const entry = (source: string, fleet: string, second: number, id = second): HistoryEntry => ({
  source,
  fleets: [fleet],
  run: "2026-01-01T00:00:00.000Z",
  id,
  triggers: ["poll"],
  startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
  finishedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second, 500)).toISOString(),
  durationMs: 500,
  result: "success",
})

describe("reading the history", () => {
  const all = [entry("a", "web", 1), entry("b", "db", 2), entry("a", "web", 3), entry("a", "api", 4)]

  it("merges the sources' passes newest first", () => {
    expect(selectHistory(all, {}).map((e) => e.id)).toEqual([4, 3, 2, 1])
  })

  it("filters by source and fleet, and gives the newest `limit`", () => {
    expect(selectHistory(all, { source: "a" }).map((e) => e.id)).toEqual([4, 3, 1])
    expect(selectHistory(all, { fleet: "web" }).map((e) => e.id)).toEqual([3, 1])
    expect(selectHistory(all, { limit: 2 }).map((e) => e.id)).toEqual([4, 3])
  })

  it("reads ?source, ?fleet and ?limit, and says what is wrong with a bad limit", () => {
    expect(parseHistoryQuery(new URLSearchParams("source=a&fleet=web&limit=5"))).toEqual({
      source: "a",
      fleet: "web",
      limit: 5,
    })
    expect(parseHistoryQuery(new URLSearchParams(""))).toEqual({})
    for (const bad of ["0", "501", "1.5", "ten"])
      expect(parseHistoryQuery(new URLSearchParams(`limit=${bad}`))).toMatch(/limit must be a whole number/)
  })
})

describe("a pass's record", () => {
  const status: FleetStatus = {
    fleet: "shop",
    source: { kind: "git", location: "file:///repo.git", ref: "main" },
    phase: "Degraded",
    engine: { reachable: true },
    services: [
      {
        name: "web",
        image: "web:2",
        sync: "RolledBack",
        health: "Healthy",
        lastChange: { at: "t0", outcome: "created", revision: "r1" },
        lastError: { at: "t1", message: "health check failed\nlast log lines:\nboom", hooks: [] },
      },
      {
        name: "api",
        image: "api:2",
        sync: "Synced",
        health: "Healthy",
        lastChange: { at: "t1", outcome: "replaced", revision: "r2", hooks: [] },
      },
      { name: "db", image: "db:1", sync: "Synced", health: "Healthy" },
    ],
  }

  it("keeps the error (with the log tail) of a rolled-back service and the change of a replaced one", () => {
    const record = historyEntry(
      "main",
      "run",
      {
        id: 2,
        triggers: ["webhook"],
        startedAt: "t0",
        finishedAt: "t1",
        durationMs: 1000,
        result: "partial",
        revision: "r2",
        changes: [
          { service: "web", outcome: "rolled-back", reason: "health check failed" },
          { service: "api", outcome: "replaced" },
          { service: "db", outcome: "unchanged" },
        ],
      },
      status,
    )
    expect(record).toMatchObject({ source: "main", fleets: ["shop"], run: "run", id: 2, result: "partial" })
    expect(record.services).toEqual([
      { service: "web", outcome: "rolled-back", error: status.services[0]?.lastError },
      { service: "api", outcome: "replaced", change: status.services[1]?.lastChange },
    ])
  })
})
