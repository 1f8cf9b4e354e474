import { describe, expect, it } from "vitest"
import { renderDaemonStatus, renderStatus } from "../../src/cli/renderStatus.ts"
import { daemonStatus } from "../../src/daemon/daemonStatus.ts"
import type { FleetStatus } from "../../src/domain/FleetStatus.ts"

const now = Date.parse("2026-11-23T01:00:00.000Z")

const status: FleetStatus = {
  fleet: "shop",
  source: { kind: "git", location: "https://git.example/me/infra.git", ref: "main" },
  phase: "Stalled",
  lastAppliedRevision: "a".repeat(40),
  lastAttemptedRevision: "b".repeat(40),
  lastPass: {
    triggers: ["webhook:github"],
    startedAt: "2026-11-23T00:59:50.000Z",
    finishedAt: "2026-11-23T00:59:51.000Z",
    durationMs: 1000,
    result: "stalled",
  },
  nextPassAt: "2026-11-23T01:00:30.000Z",
  stalled: {
    revision: "b".repeat(40),
    reason: "fleet.yaml is invalid",
    issues: ["fleet.yaml:3:5: services.web.x: bad"],
  },
  engine: { reachable: true, kind: "docker", version: "20.10.24", apiVersion: "1.41" },
  services: [
    {
      name: "web",
      image: "app:1",
      container: "shop-web",
      sync: "Synced",
      health: "Healthy",
      lastChange: {
        at: "2026-11-23T00:58:00.000Z",
        outcome: "replaced",
        reason: "spec changed",
        revision: "a",
      },
    },
    { name: "db", image: "pg:16", sync: "Suspended", health: "Healthy", suspended: "maintenance window" },
    {
      name: "worker",
      image: "app:1",
      sync: "Failed",
      health: "Missing",
      lastError: { at: "2026-11-23T00:59:51.000Z", message: "image app:1 not found" },
    },
  ],
}

describe("fleetd status rendering", () => {
  it("shows the phase, revisions, the stall with its positions, and one row per service", () => {
    const text = renderStatus(status, now)
    expect(text.split("\n").slice(0, 5)).toEqual([
      "fleet shop: Stalled",
      "source:   git https://git.example/me/infra.git @ main",
      `revision: applied ${"a".repeat(12)}, last attempted ${"b".repeat(12)}`,
      "pass:     stalled 9s ago (webhook:github) in 1000 ms; next in 30s",
      "engine:   docker 20.10.24 (API 1.41)",
    ])
    expect(text).toContain(
      `STALLED at ${"b".repeat(12)}: fleet.yaml is invalid\n  fleet.yaml:3:5: services.web.x: bad`,
    )
    expect(text).toMatch(/web\s+Synced\s+Healthy\s+app:1\s+-\s+replaced 2m ago \(spec changed\)\s+-/)
    expect(text).toMatch(/db\s+Suspended\s+Healthy\s+pg:16\s+-\s+-\s+suspended: maintenance window/)
    expect(text).toMatch(/worker\s+Failed\s+Missing\s+app:1\s+-\s+-\s+image app:1 not found/)
  })

  it("shows each service's ports and the digest its image resolved to", () => {
    const [web, ...rest] = status.services
    const text = renderStatus(
      {
        ...status,
        services: [
          {
            ...web!,
            digest: `registry.local/app@sha256:${"0123456789ab".repeat(5)}abcd`,
            ports: [
              { containerPort: 80, protocol: "tcp", hostIp: "127.0.0.1", hostPort: 8080 },
              { containerPort: 53, protocol: "udp", hostIp: "::", hostPort: 5353 },
              { containerPort: 9000, protocol: "tcp" },
            ],
          },
          ...rest,
        ],
      },
      now,
    )
    expect(text).toMatch(
      /web\s+Synced\s+Healthy\s+app:1 \(sha256:0123456789ab\)\s+127\.0\.0\.1:8080 → 80\/tcp, \[::\]:5353 → 53\/udp, 9000\/tcp\s+replaced/,
    )
  })

  it("names the signer of the verified revision (--verify-commits)", () => {
    const text = renderStatus(
      {
        ...status,
        verified: {
          revision: "a".repeat(40),
          format: "ssh",
          fingerprint: "SHA256:oRBE0JbExAU6",
          principal: "alice@example.com",
          object: "commit",
        },
      },
      now,
    )
    expect(text).toContain(
      `signed:   alice@example.com (ssh key SHA256:oRBE0JbExAU6) on commit ${"a".repeat(12)}`,
    )
  })

  it("says when the engine cannot be reached", () => {
    const text = renderStatus({ ...status, engine: { reachable: false, error: "connect ENOENT" } }, now)
    expect(text).toContain("engine:   UNREACHABLE: connect ENOENT")
  })

  it("says who holds the lease while it waits for it", () => {
    const holder = { id: "x", host: "box-2", pid: 42, command: "run", startedAt: "2026-11-23T00:00:00.000Z" }
    const text = renderStatus(
      {
        ...status,
        phase: "Waiting",
        leases: [
          {
            fleet: "shop",
            held: false,
            holder,
            since: "2026-11-23T00:59:00.000Z",
            expiresAt: "2026-11-23T01:00:20.000Z",
          },
        ],
      },
      now,
    )
    expect(text).toContain("fleet shop: Waiting")
    expect(text).toContain(
      "lease:    WAITING for fleet shop: held by fleetd run on box-2 (pid 42, started 2026-11-23T00:00:00.000Z); expires in 20s unless renewed",
    )
  })

  it("with projects, shows one row per project, each stalled one with its positions, orphans, then the services", () => {
    const [web] = status.services
    const { stalled: _none, ...rest } = status
    const text = renderStatus(
      {
        ...rest,
        fleet: undefined,
        phase: "Degraded",
        services: [],
        projects: [
          {
            dir: "services/blog",
            file: "services/blog/compose.yaml",
            fleet: "blog",
            phase: "Synced",
            lastAppliedRevision: "a".repeat(40),
            services: web === undefined ? [] : [web],
          },
          {
            dir: "services/db",
            file: "services/db/docker-compose.yml",
            fleet: "database",
            phase: "Stalled",
            stalled: {
              revision: "b".repeat(40),
              reason: "services/db/docker-compose.yml is invalid",
              issues: ["services/db/docker-compose.yml:4:5: services.pg.x: bad"],
            },
            services: [],
          },
        ],
        orphaned: [{ fleet: "old", dir: "services/old", containers: ["old-app"], pruned: false }],
      },
      now,
    )
    expect(text.split("\n")[0]).toBe("projects (2): Degraded")
    expect(text).toMatch(/blog\s+services\/blog\s+Synced\s+1\/1 synced\s+a{12}/)
    expect(text).toMatch(/database\s+services\/db\s+Stalled\s+0\/0 synced\s+-/)
    expect(text).toContain(
      `STALLED database at ${"b".repeat(12)}: services/db/docker-compose.yml is invalid\n  services/db/docker-compose.yml:4:5: services.pg.x: bad`,
    )
    expect(text).toContain(
      "ORPHANED old: services/old is no longer a project; left running (old-app); --prune-projects removes it",
    )
    expect(text).toMatch(/blog\s+web\s+Synced\s+Healthy\s+app:1/)
  })
})

describe("fleetd status for a daemon with several sources", () => {
  const synced: FleetStatus = { ...status, fleet: "blog", phase: "Synced", stalled: undefined as never }
  it("renders one source run from flags exactly as before", () => {
    const single = daemonStatus([{ ...status, name: "default" }], { loadedAt: "2026-11-23T00:00:00.000Z" })
    expect(renderDaemonStatus(single, now)).toBe(renderStatus(status, now))
  })

  it("shows the config file, a refused reload, a table of the sources, then each source", () => {
    const text = renderDaemonStatus(
      daemonStatus(
        [
          { ...status, name: "shop" },
          { ...synced, name: "blog" },
        ],
        {
          file: "/etc/fleetd/fleetd.yaml",
          loadedAt: "2026-11-23T00:58:00.000Z",
          error: { at: "2026-11-23T00:59:30.000Z", message: "fleetd.yaml:4:13: sources[0].name: bad" },
        },
      ),
      now,
    )
    const lines = text.split("\n")
    expect(lines.slice(0, 4)).toEqual([
      "fleetd: Stalled, 2 sources",
      "config:   /etc/fleetd/fleetd.yaml, loaded 2m ago",
      "RELOAD REFUSED 30s ago (the loaded configuration runs):",
      "  fleetd.yaml:4:13: sources[0].name: bad",
    ])
    expect(lines).toContain("SOURCE  PHASE    FLEETS  APPLIED       LAST PASS       NEXT POLL")
    expect(lines).toContain("shop    Stalled  shop    aaaaaaaaaaaa  stalled 9s ago  in 30s")
    expect(lines).toContain("── source blog ──")
    expect(text).toContain("fleet blog: Synced")
  })
})

describe("renderStatus on the swarm target", () => {
  it("shows running/desired replicas, and each task's node and state", () => {
    const text = renderStatus(
      {
        ...status,
        services: [
          {
            name: "web",
            image: "app:1",
            container: "shop_web",
            sync: "RolledBack",
            health: "Healthy",
            swarm: {
              running: 2,
              desired: 2,
              tasks: [
                { id: "t1", slot: 1, node: "node-a", state: "running", desiredState: "running" },
                { id: "t2", slot: 2, node: "node-b", state: "running", desiredState: "running" },
                {
                  id: "t3abcdefabcdef",
                  node: "node-a",
                  state: "failed",
                  desiredState: "shutdown",
                  error: "task: non-zero exit (3)",
                },
              ],
              update: { state: "rollback_completed" },
            },
          },
        ],
      },
      now,
    )
    expect(text).toContain("Healthy (2/2)")
    expect(text).toMatch(/web\s+web\.2\s+node-b\s+running/)
    expect(text).toMatch(
      /web\s+t3abcdefabcd\s+node-a\s+failed \(wanted shutdown\)\s+task: non-zero exit \(3\)/,
    )
  })
})
