import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type Daemon, eventually, startDaemon, stopDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { applyJson } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

/**
 * Issue 11, item 1: a first creation has nothing to roll back to, so neither `fleetd apply`
 * nor a daemon pass waits for its health: it is reported progressing, then healthy or
 * failed. `apply --wait` waits like `docker compose up --wait`; `service_healthy` still orders.
 */

/** A shell that exits on TERM, so stops are quick on both engines. */
const loop = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]`
/** Healthy at the first check, which the engine runs about 2 s after the start. */
const slowHealthy = [
  "    healthcheck:",
  `      test: ["CMD", "true"]`,
  "      interval: 2s",
  "      retries: 1",
]
const unhealthy = [
  "    healthcheck:",
  `      test: ["CMD", "false"]`,
  "      interval: 500ms",
  "      retries: 1",
]

const service = (name: string, check: ReadonlyArray<string>, extra: ReadonlyArray<string> = []) => [
  `  ${name}:`,
  "    image: fleetd-test/app:v1",
  `    command: ${loop}`,
  "    stop_grace_period: 1s",
  ...check,
  ...extra,
  "    x-fleetd:",
  "      update:",
  "        health_timeout: 20s",
]

const token = "first-creation-test-token-0123456789"

const manifest = (fleet: string, ...services: ReadonlyArray<ReadonlyArray<string>>) =>
  [`name: ${fleet}`, "services:", ...services.flat()].join("\n")

/** One service's result, as `fleetd apply --json` prints it. */
interface Result {
  readonly service: string
  readonly outcome: string
  readonly reason?: string
  readonly progressing?: boolean
}

for (const engine of testEngines()) {
  describe(`first creations on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let dir = ""
    let daemon: Daemon | undefined
    const file = () => join(dir, "fleet.yaml")
    const apply = (text: string, ...flags: ReadonlyArray<string>) =>
      applyJson<Result>(file(), text, engine.host, flags)
    const health = async (service: string) =>
      (await docker.getContainer(`${fleet}-${service}`).inspect()).State.Health?.Status

    beforeEach(() => {
      fleet = uniqueFleet("first")
      dir = mkdtempSync(join(tmpdir(), "fleetd-first-"))
    })
    afterEach(async () => {
      await stopDaemon(daemon)
      daemon = undefined
      await cleanupFleet(engine, fleet)
    })

    it("apply returns before a first creation is healthy; --wait returns once it is", async () => {
      const text = manifest(fleet, service("web", slowHealthy))
      const quick = await apply(text)
      expect(quick.code).toBe(0)
      expect(quick.services[0]).toMatchObject({ service: "web", outcome: "created", progressing: true })
      // It took its name at once, and its first check has not run yet.
      expect(await health("web")).toBe("starting")

      // Another fleet for the second apply: nothing of the first one's to observe.
      const waited = await apply(text, "--wait", "--fleet", `${fleet}-w`)
      expect(waited.code).toBe(0)
      expect(waited.services[0]).toMatchObject({ service: "web", outcome: "created" })
      expect(waited.services[0]?.progressing).toBeUndefined()
      expect(await health("w-web")).toBe("healthy")
    })

    it("apply --wait exits 1 when a first creation fails its health, and keeps it for its logs", async () => {
      const result = await apply(manifest(fleet, service("web", unhealthy)), "--wait")
      expect(result.code).toBe(1)
      expect(result.services[0]).toMatchObject({ service: "web", outcome: "failed" })
      expect(result.services[0]?.reason).toMatch(/is unhealthy.*was kept \(nothing to roll back to\)/)
      const kept = await docker.getContainer(`${fleet}-web`).inspect()
      expect(kept.Name.replace(/^\//, "")).toBe(`${fleet}-web`)
    })

    it("service_healthy still orders: the dependent is created only once its new dependency is healthy", async () => {
      const dependsOn = ["    depends_on:", "      db:", "        condition: service_healthy"]
      const result = await apply(manifest(fleet, service("db", slowHealthy), service("app", [], dependsOn)))
      expect(result.code).toBe(0)
      expect(result.services.map((s) => `${s.service}:${s.outcome}`).sort()).toEqual([
        "app:created",
        "db:created",
      ])
      // db's creation was not waited for, but app's condition waited for its health.
      expect(await health("db")).toBe("healthy")
      const db = await docker.getContainer(`${fleet}-db`).inspect()
      const app = await docker.getContainer(`${fleet}-app`).inspect()
      const healthyAt = db.State.Health?.Log?.find((l) => l.ExitCode === 0)?.End
      expect(healthyAt).toBeDefined()
      expect(Date.parse(app.Created)).toBeGreaterThanOrEqual(Date.parse(healthyAt ?? ""))
    })

    it("the daemon reports Progressing, then each first creation's health: Healthy, or Failed and Degraded", async () => {
      writeFileSync(file(), manifest(fleet, service("good", slowHealthy), service("bad", unhealthy)))
      const port = await freePort()
      daemon = startDaemon(["--dir", dir, "--interval", "1h", "--data-dir", join(dir, "data")], {
        dockerHost: engine.host,
        port,
        env: { FLEETD_API_TOKEN: token },
      })
      const d = daemon
      const first = await eventually("the first pass", async () => {
        const s = await d.status()
        return s.lastPass?.finishedAt === undefined ? undefined : s
      })
      // The pass did not wait: both are still settling (bad's first check may already have failed).
      expect(["Progressing", "Degraded"]).toContain(first.phase)
      expect(first.lastPass?.result).toBe("success")
      expect(first.services.find((s) => s.name === "good")).toMatchObject({
        sync: "Synced",
        health: "Starting",
        firstHealth: "Progressing",
      })
      const settled = await eventually("both verdicts", async () => {
        const s = await d.status()
        return s.services.every((x) => x.firstHealth !== "Progressing") ? s : undefined
      })
      expect(settled.phase, JSON.stringify(settled.services)).toBe("Degraded")
      const good = settled.services.find((s) => s.name === "good")
      expect(good).toMatchObject({ sync: "Synced", health: "Healthy" })
      expect(good?.firstHealth).toBeUndefined()
      const bad = settled.services.find((s) => s.name === "bad")
      expect(bad).toMatchObject({ sync: "Failed", health: "Unhealthy", firstHealth: "Failed" })
      expect(bad?.lastError?.message).toMatch(/is unhealthy.*nothing to roll back to/)
      const metrics = (await (await fetch(`${d.base}/metrics`)).text()).split("\n")
      const sample = (service: string, status: string) =>
        metrics.find(
          (l) =>
            l.startsWith("fleetd_service_health_status{") &&
            l.includes(`service="${service}"`) &&
            l.includes(`status="${status}"`),
        )
      expect(sample("good", "Healthy")).toMatch(/ 1$/)
      expect(sample("bad", "Unhealthy")).toMatch(/ 1$/)
      // The next pass still says so: the verdict stands while bad is not healthy.
      const asked = await fetch(`${d.base}/sync`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      })
      expect(asked.status).toBe(202)
      const next = await eventually("the next pass", async () => {
        const s = await d.status()
        return s.lastPass?.finishedAt !== undefined && s.lastPass.id !== first.lastPass?.id ? s : undefined
      })
      expect(next.phase, JSON.stringify([next.services, next.lastPass])).toBe("Degraded")
      expect(next.services.find((s) => s.name === "bad")).toMatchObject({
        sync: "Failed",
        firstHealth: "Failed",
      })
    })
  })
}
