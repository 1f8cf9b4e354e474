import { describe, expect, it } from "vitest"
import { parseCliArgs } from "../../../src/cli/parseCliArgs.ts"
import { renderHistory } from "../../../src/cli/renderHistory.ts"
import type { HistoryEntry } from "../../../src/history/HistoryEntry.ts"

describe("fleetd history", () => {
  it("reads --url, --source, --fleet, --limit and --json", () => {
    expect(
      parseCliArgs([
        "history",
        "--url",
        "http://h:9",
        "--source",
        "main",
        "--fleet",
        "shop",
        "--limit",
        "5",
        "--json",
      ]),
    ).toEqual({
      _tag: "History",
      args: { url: "http://h:9", json: true, source: "main", fleet: "shop", limit: 5 },
    })
    expect(parseCliArgs(["history"])).toMatchObject({ _tag: "History", args: { json: false } })
  })

  it("refuses a limit out of range and stray arguments", () => {
    expect(parseCliArgs(["history", "--limit", "0"])).toMatchObject({
      _tag: "UsageError",
      message: '--limit must be a whole number from 1 to 500, not "0"',
    })
    expect(parseCliArgs(["history", "shop"])).toMatchObject({ _tag: "UsageError" })
  })

  it("prints one line per pass and its changes indented, with a rolled-back service's log tail", () => {
    const pass: HistoryEntry = {
      source: "main",
      fleets: ["shop"],
      run: "2026-12-04T09:00:00.000Z",
      id: 7,
      triggers: ["webhook:github"],
      startedAt: "2026-12-04T10:02:11.020Z",
      finishedAt: "2026-12-04T10:02:19.655Z",
      durationMs: 8635,
      result: "partial",
      revision: "9b0e3f1c2d4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c",
      changes: [
        { service: "web", outcome: "rolled-back", reason: "health check failed" },
        { service: "api", outcome: "replaced", reason: "spec changed", fields: ["environment"] },
        { service: "db", outcome: "unchanged" },
      ],
      services: [
        {
          service: "web",
          outcome: "rolled-back",
          error: { at: "t", message: "health check failed\nlast log lines:\nboom" },
        },
      ],
    }
    expect(renderHistory([pass]).split("\n")).toEqual([
      "2026-12-04 10:02:19Z  main shop  partial  9b0e3f1c2d4a  webhook:github  8.6s  (pass 7 of run 2026-12-04 09:00:00Z)",
      "    web  rolled-back: health check failed",
      "      | last log lines:",
      "      | boom",
      "    api  replaced: spec changed (environment)",
      "    1 unchanged",
    ])
    expect(renderHistory([])).toBe("no passes recorded yet")
  })
})
