import { describe, expect, it } from "vitest"
import { daemonNotReady, daemonStatus } from "../../../src/daemon/daemonStatus.ts"
import type { Phase, SourceStatus } from "../../../src/domain/FleetStatus.ts"

const source = (name: string, phase: Phase, extra: Partial<SourceStatus> = {}): SourceStatus => ({
  name,
  fleet: name,
  source: { kind: "git", location: `file:///${name}.git`, ref: "main" },
  phase,
  engine: { reachable: true, kind: "docker", version: "20.10.24", apiVersion: "1.41" },
  services: [],
  lastAppliedRevision: "r1",
  ...extra,
})

describe("the daemon's status", () => {
  it("puts a single source's fields at the top level, as before sources existed", () => {
    const status = daemonStatus([source("default", "Synced")], { loadedAt: "t0" })
    expect(status).toMatchObject({ fleet: "default", phase: "Synced", lastAppliedRevision: "r1" })
    expect(status.sources.map((s) => s.name)).toEqual(["default"])
    expect(status).not.toHaveProperty("name")
    expect(status).not.toHaveProperty("config")
  })

  it("adds each notification target's delivery, with one source or several", () => {
    const notifications = [
      { target: "json #1", failing: true, lastError: "HTTP 500", since: "t1", delivered: 2, dropped: 1 },
    ]
    expect(daemonStatus([source("a", "Synced")], { loadedAt: "t0" }, notifications).notifications).toEqual(
      notifications,
    )
    expect(
      daemonStatus([source("a", "Synced"), source("b", "Synced")], { loadedAt: "t0" }, notifications)
        .notifications,
    ).toEqual(notifications)
    expect(daemonStatus([source("a", "Synced")], { loadedAt: "t0" })).not.toHaveProperty("notifications")
  })

  it("with several sources: the worst phase, no fleet fields, and the config file's state", () => {
    const status = daemonStatus([source("a", "Synced"), source("b", "Stalled"), source("c", "Degraded")], {
      file: "/etc/fleetd.yaml",
      loadedAt: "t0",
    })
    expect(status.phase).toBe("Stalled")
    expect(status).not.toHaveProperty("fleet")
    expect(status.config).toEqual({ file: "/etc/fleetd.yaml", loadedAt: "t0" })
    expect(daemonStatus([source("a", "Synced"), source("b", "Synced")], { loadedAt: "t0" }).phase).toBe(
      "Synced",
    )
    expect(daemonStatus([source("a", "Synced"), source("b", "Failing")], { loadedAt: "t0" }).phase).toBe(
      "Failing",
    )
  })

  it("names the sources that are not ready, and a refused reload", () => {
    const stalled = source("b", "Stalled", {
      stalled: { revision: "r2", reason: "fleet.yaml is invalid", issues: [] },
    })
    const one = daemonStatus([stalled], { loadedAt: "t0" })
    expect(daemonNotReady(one)).toEqual(["stalled at revision r2: fleet.yaml is invalid"])
    const many = daemonStatus([source("a", "Synced"), stalled], {
      file: "/etc/fleetd.yaml",
      loadedAt: "t0",
      error: { at: "t1", message: "fleetd.yaml:3:5: sources[0].name: bad" },
    })
    expect(daemonNotReady(many)).toEqual([
      "the config file /etc/fleetd.yaml was not reloaded (the configuration loaded at t0 runs): fleetd.yaml:3:5: sources[0].name: bad",
      "source b: stalled at revision r2: fleet.yaml is invalid",
    ])
    expect(
      daemonNotReady(daemonStatus([source("a", "Synced"), source("c", "Synced")], { loadedAt: "t0" })),
    ).toEqual([])
  })
})
