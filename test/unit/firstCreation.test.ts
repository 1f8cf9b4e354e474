import { assert, describe, it } from "@effect/vitest"
import { settleFirstHealth } from "../../src/daemon/watchFirstHealth.ts"
import type { FleetStatus, ServiceStatus } from "../../src/domain/FleetStatus.ts"
import { passPhase, waitsForCreation } from "../../src/domain/firstCreation.ts"
import type { ObservedContainer } from "../../src/domain/ObservedState.ts"
import { firstHealthAfter } from "../../src/reconciler/serviceStatuses.ts"
import { service } from "../support/fixtures.ts"

const exec = { kind: "exec", command: ["true"], timeoutMs: 1000 } as const
const update = { healthTimeoutMs: 60_000, minReadyMs: 5_000, rollback: true }
const healthcheck = { test: ["CMD", "true"], intervalNs: 1e8 }

describe("first creations", () => {
  it.each([
    { name: "plain service, apply", hooks: undefined, wait: false, waits: false },
    { name: "plain service, apply --wait", hooks: undefined, wait: true, waits: true },
    { name: "pre_deploy only", hooks: { pre_deploy: [exec] }, wait: false, waits: false },
    { name: "post_deploy needs a ready container", hooks: { post_deploy: [exec] }, wait: false, waits: true },
    { name: "empty post_deploy", hooks: { post_deploy: [] }, wait: false, waits: false },
  ])("waitsForCreation: $name → $waits", ({ hooks, wait, waits }) => {
    const s = service("web", {}, { update, ...(hooks === undefined ? {} : { hooks }) })
    assert.strictEqual(waitsForCreation(s, wait), waits)
  })

  it.each([
    { name: "min_ready 0s, no healthcheck: nothing to wait for", minReadyMs: 0, check: false, waits: true },
    { name: "min_ready 0s with a healthcheck", minReadyMs: 0, check: true, waits: false },
    { name: "min_ready 5s, no healthcheck", minReadyMs: 5000, check: false, waits: false },
  ])("waitsForCreation: $name → $waits", ({ minReadyMs, check, waits }) => {
    const s = service("web", check ? { healthcheck } : {}, { update: { ...update, minReadyMs } })
    assert.strictEqual(waitsForCreation(s, false), waits)
  })

  const s = (firstHealth?: ServiceStatus["firstHealth"]) => (firstHealth === undefined ? {} : { firstHealth })
  it.each([
    { name: "nothing pending", failed: false, services: [s(), s()], phase: "Synced" },
    { name: "one progressing", failed: false, services: [s(), s("Progressing")], phase: "Progressing" },
    {
      name: "a first health failed",
      failed: false,
      services: [s("Progressing"), s("Failed")],
      phase: "Degraded",
    },
    { name: "the pass failed", failed: true, services: [s("Progressing")], phase: "Degraded" },
  ] as const)("passPhase: $name → $phase", ({ failed, services, phase }) => {
    assert.strictEqual(passPhase(failed, services), phase)
  })

  const previous = (firstHealth: ServiceStatus["firstHealth"], lastError?: string): ServiceStatus => ({
    name: "web",
    image: "app",
    container: "t-web",
    sync: lastError === undefined ? "Synced" : "Failed",
    health: "Starting",
    ...(firstHealth === undefined ? {} : { firstHealth }),
    ...(lastError === undefined ? {} : { lastError: { at: "t0", message: lastError } }),
  })
  const listed = (state: string, health?: ObservedContainer["health"]): ObservedContainer => ({
    id: "c1",
    name: "t-web",
    state,
    labels: {},
    imageId: "sha256:aaaa",
    networks: [],
    volumes: [],
    ...(health === undefined ? {} : { health }),
  })
  it.each([
    { name: "not a first creation", b: previous(undefined), c: listed("exited"), expect: undefined },
    {
      name: "progressing, now healthy",
      b: previous("Progressing"),
      c: listed("running", "healthy"),
      expect: undefined,
    },
    {
      name: "progressing, still starting",
      b: previous("Progressing"),
      c: listed("running", "starting"),
      expect: "Progressing",
    },
    {
      name: "progressing, health not listed (Podman)",
      b: previous("Progressing"),
      c: listed("running"),
      expect: "Progressing",
    },
    {
      name: "progressing, now unhealthy",
      b: previous("Progressing"),
      c: listed("running", "unhealthy"),
      expect: "Failed",
    },
    { name: "progressing, exited", b: previous("Progressing"), c: listed("exited"), expect: "Failed" },
    { name: "progressing, container gone", b: previous("Progressing"), c: undefined, expect: undefined },
    {
      name: "failed, still unhealthy",
      b: previous("Failed", "why"),
      c: listed("running", "unhealthy"),
      expect: "Failed",
    },
    {
      name: "failed, health not listed (Podman)",
      b: previous("Failed", "why"),
      c: listed("running"),
      expect: "Failed",
    },
    {
      name: "failed, recovered",
      b: previous("Failed", "why"),
      c: listed("running", "healthy"),
      expect: undefined,
    },
  ] as const)("firstHealthAfter: $name → $expect", ({ b, c, expect }) => {
    const after = firstHealthAfter(b, c, true, "t1")
    assert.strictEqual(after?.firstHealth, expect)
    if (expect === "Failed") assert.strictEqual(after?.health, "Unhealthy")
    if (expect === "Failed") assert.isDefined(after?.lastError)
    if (b.lastError !== undefined && expect === "Failed") assert.strictEqual(after?.lastError?.message, "why")
  })

  it("firstHealthAfter: without a healthcheck, running is healthy", () => {
    assert.isUndefined(firstHealthAfter(previous("Progressing"), listed("running"), false, "t1"))
  })
})

describe("settleFirstHealth", () => {
  const svc = (name: string, firstHealth?: ServiceStatus["firstHealth"]): ServiceStatus => ({
    name,
    image: "app",
    sync: "Synced",
    health: "Starting",
    ...(firstHealth === undefined ? {} : { firstHealth }),
  })
  const healthy = (s: ServiceStatus): ServiceStatus => {
    const { firstHealth: _, ...rest } = s
    return { ...rest, health: "Healthy" }
  }
  const failed = (s: ServiceStatus): ServiceStatus => ({ ...s, sync: "Failed", firstHealth: "Failed" })
  const fleetStatus = (phase: FleetStatus["phase"], services: ReadonlyArray<ServiceStatus>): FleetStatus => ({
    fleet: "shop",
    source: { kind: "dir", location: "/srv", ref: "" },
    phase,
    engine: { reachable: true },
    services,
  })

  it("settles the fleet's phase once the last one is known", () => {
    const s0 = fleetStatus("Progressing", [svc("a", "Progressing"), svc("b", "Progressing")])
    const s1 = settleFirstHealth(s0, "shop", "a", healthy)
    assert.strictEqual(s1.phase, "Progressing")
    const s2 = settleFirstHealth(s1, "shop", "b", healthy)
    assert.strictEqual(s2.phase, "Synced")
    assert.isTrue(s2.services.every((s) => s.firstHealth === undefined && s.health === "Healthy"))
  })

  it("a failure makes it Degraded; a pass running now keeps its own phase", () => {
    const s0 = fleetStatus("Progressing", [svc("a", "Progressing")])
    assert.strictEqual(settleFirstHealth(s0, "shop", "a", failed).phase, "Degraded")
    const running = fleetStatus("Reconciling", [svc("a", "Progressing")])
    const s1 = settleFirstHealth(running, "shop", "a", failed)
    assert.strictEqual(s1.phase, "Reconciling")
    assert.strictEqual(s1.services[0]?.firstHealth, "Failed")
  })

  it("leaves a service no longer Progressing, and other fleets, alone", () => {
    const s0 = fleetStatus("Synced", [svc("a")])
    assert.deepStrictEqual(settleFirstHealth(s0, "shop", "a", failed), s0)
    assert.deepStrictEqual(settleFirstHealth(s0, "other", "a", failed), s0)
  })

  it("with projects: the project's phase, then the source's", () => {
    const project = (fleet: string, phase: FleetStatus["phase"], services: ReadonlyArray<ServiceStatus>) => ({
      dir: fleet,
      file: `${fleet}/compose.yaml`,
      fleet,
      phase,
      services,
    })
    const s0: FleetStatus = {
      ...fleetStatus("Progressing", []),
      projects: [
        project("p1", "Progressing", [svc("a", "Progressing")]),
        project("p2", "Synced", [svc("a")]),
      ],
    }
    const s1 = settleFirstHealth(s0, "p1", "a", healthy)
    assert.deepStrictEqual(
      s1.projects?.map((p) => p.phase),
      ["Synced", "Synced"],
    )
    assert.strictEqual(s1.phase, "Synced")
    assert.strictEqual(settleFirstHealth(s0, "p1", "a", failed).phase, "Degraded")
  })
})
