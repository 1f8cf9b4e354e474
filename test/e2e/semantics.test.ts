import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type Docker from "dockerode"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { Labels } from "../../src/domain/labels.ts"
import { freePort } from "../support/freePort.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

/**
 * Compose semantics that reach the engine: one-shot jobs, their dependents, and
 * stop-first replacement of services on the host's network; `fleetd apply` as a user
 * runs it, on Docker and on Podman.
 */
const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`
const gate = ["    stop_grace_period: 2s", "    x-fleetd:", "      update:", "        min_ready: 1s"]

interface Result {
  readonly code: number | null
  readonly services: ReadonlyArray<{ service: string; outcome: string; exitCode?: number; reason?: string }>
}

for (const engine of testEngines()) {
  describe(`Compose semantics on ${engine.kind}`, () => {
    const docker: Docker = rawClient(engine)
    let fleet = ""
    let dir = ""
    const file = () => join(dir, "fleet.yaml")
    const write = (lines: ReadonlyArray<string>) =>
      writeFileSync(file(), [`name: ${fleet}`, "services:", ...lines].join("\n"))
    const fleetd = (...args: Array<string>) =>
      runFleetd([...args, "-f", file(), "--policy", join(dir, "..", "policy.yaml")], {
        dockerHost: engine.host,
      })
    const apply = async (): Promise<Result> => {
      const result = await fleetd("apply", "--json")
      expect(result.stderr).toBe("")
      return { code: result.code, ...(JSON.parse(result.stdout) as Omit<Result, "code">) }
    }
    const outcome = (r: Result, service: string) => r.services.find((s) => s.service === service)
    // Podman lists an exited container as "stopped" for a while.
    const containers = async () =>
      (await docker.listContainers({ all: true, filters: { label: [`${Labels.fleet}=${fleet}`] } }))
        .map((c) => ({
          id: c.Id,
          name: c.Names[0]?.replace(/^\//, "") ?? "",
          state: c.State === "stopped" ? "exited" : c.State,
        }))
        .sort((a, b) => a.name.localeCompare(b.name))
    const startedAt = async (name: string) => (await docker.getContainer(name).inspect()).State.StartedAt

    beforeEach(() => {
      fleet = uniqueFleet("sem")
      const base = mkdtempSync(join(tmpdir(), "fleetd-semantics-"))
      dir = join(base, "repo")
      mkdirSync(dir)
      writeFileSync(join(base, "policy.yaml"), "allow:\n  network_mode_host: true\n")
    })
    afterEach(() => cleanupFleet(engine, fleet))

    const job = (run: string, exit = 0) => [
      "  migrate:",
      "    image: fleetd-test/app:v1",
      `    command: ["sh", "-c", "echo ran ${run}; exit ${exit}"]`,
      '    restart: "no"',
      ...gate,
    ]
    const dependent = [
      "  web:",
      "    image: fleetd-test/app:v1",
      `    command: ${idle}`,
      "    depends_on:",
      "      migrate: { condition: service_completed_successfully }",
      ...gate,
    ]

    it("runs a job once, leaves it Completed on the next apply, runs it again on a spec change, and starts its dependent after it", async () => {
      write([...job("1"), ...dependent])
      const first = await apply()
      expect(first.code).toBe(0)
      expect(first.services.map((s) => `${s.service}:${s.outcome}`)).toEqual([
        "migrate:created",
        "web:created",
      ])
      expect(await containers()).toEqual([
        expect.objectContaining({ name: `${fleet}-migrate`, state: "exited" }),
        expect.objectContaining({ name: `${fleet}-web`, state: "running" }),
      ])
      // The dependent started after the job had finished.
      const jobDone = (await docker.getContainer(`${fleet}-migrate`).inspect()).State.FinishedAt
      expect(Date.parse(await startedAt(`${fleet}-web`))).toBeGreaterThanOrEqual(Date.parse(jobDone))
      const ran = await startedAt(`${fleet}-migrate`)

      const plan = await fleetd("plan")
      expect(plan.stdout).toContain("= migrate: completed (exit code 0)")
      expect(plan.stdout).toContain("In sync")
      const second = await apply()
      expect(second.code).toBe(0)
      expect(outcome(second, "migrate")).toMatchObject({ outcome: "completed", exitCode: 0 })
      expect(outcome(second, "web")?.outcome).toBe("unchanged")
      expect(await startedAt(`${fleet}-migrate`)).toBe(ran)

      write([...job("2"), ...dependent])
      const third = await apply()
      expect(outcome(third, "migrate")?.outcome).toBe("replaced")
      const logs = await docker.getContainer(`${fleet}-migrate`).logs({ stdout: true, stderr: true })
      expect(logs.toString()).toContain("ran 2")
      expect((await containers()).map((c) => `${c.name}:${c.state}`)).toEqual([
        `${fleet}-migrate:exited`,
        `${fleet}-web:running`,
      ])
    }, 240_000)

    it("reports a failed job with its exit code, does not run it again, and does not start its dependent", async () => {
      write([...job("1", 4), ...dependent])
      const first = await apply()
      expect(first.code).toBe(1)
      expect(outcome(first, "migrate")?.outcome).toBe("failed")
      expect(outcome(first, "web")).toMatchObject({
        outcome: "failed",
        reason: "not changed: its dependency migrate failed",
      })
      const ran = await startedAt(`${fleet}-migrate`)
      const second = await apply()
      expect(outcome(second, "migrate")).toMatchObject({ outcome: "failed", exitCode: 4 })
      expect(outcome(second, "migrate")?.reason).toContain("its job exited with code 4; not run again")
      expect(await startedAt(`${fleet}-migrate`)).toBe(ran)
      expect((await containers()).map((c) => c.name)).toEqual([`${fleet}-migrate`])
    }, 240_000)

    it("creates a container_name service under that name, replaces it under it, and fails it alone while an unmanaged container holds the name", async () => {
      const fixed = `${fleet}-fixed-db`
      const named = (level: string) => [
        "  db:",
        "    image: fleetd-test/app:v1",
        `    container_name: ${fixed}`,
        `    command: ${idle}`,
        `    environment: { LEVEL: ${level} }`,
        ...gate,
        "  web:",
        "    image: fleetd-test/app:v1",
        `    command: ${idle}`,
        ...gate,
      ]
      const squatter = await docker.createContainer({
        name: fixed,
        Image: "fleetd-test/app:v1",
        Cmd: ["true"],
      })
      write(named("info"))
      const blocked = await apply()
      expect(blocked.code).toBe(1)
      expect(outcome(blocked, "db")?.reason).toContain(
        `the container name ${fixed} is taken by a container fleetd does not manage`,
      )
      expect(outcome(blocked, "web")?.outcome).toBe("created")
      expect((await squatter.inspect()).Id).toBe(squatter.id)
      await squatter.remove({ force: true })

      const created = await apply()
      expect(outcome(created, "db")).toMatchObject({ outcome: "created", container: fixed })
      const before = (await docker.getContainer(fixed).inspect()).Id
      write(named("debug"))
      const plan = await fleetd("plan")
      expect(plan.stdout).toContain(`~ db: replace ${fixed}: spec changed (environment.LEVEL), stop-first`)
      const replaced = await apply()
      expect(outcome(replaced, "db")).toMatchObject({ outcome: "replaced", container: fixed })
      const after = await docker.getContainer(fixed).inspect()
      expect(after.Id).not.toBe(before)
      expect(after.Config.Env).toContain("LEVEL=debug")
      expect(after.Config.Labels?.[Labels.service]).toBe("db")
      expect((await containers()).map((c) => `${c.name}:${c.state}`)).toEqual([
        `${fixed}:running`,
        `${fleet}-web:running`,
      ])
    }, 240_000)

    it("creates a service with profiles only while one of them is enabled, and removes it when none is", async () => {
      write([
        "  web:",
        "    image: fleetd-test/app:v1",
        `    command: ${idle}`,
        ...gate,
        "  debug:",
        "    image: fleetd-test/app:v1",
        `    command: ${idle}`,
        "    profiles: [debug]",
        ...gate,
      ])
      const off = await apply()
      expect(off.services.map((s) => `${s.service}:${s.outcome}`)).toEqual(["web:created"])
      const on = await fleetd("apply", "--json", "--profile", "debug")
      expect(
        JSON.parse(on.stdout).services.map(
          (s: { service: string; outcome: string }) => `${s.service}:${s.outcome}`,
        ),
      ).toEqual(["debug:created", "web:unchanged"])
      expect((await containers()).map((c) => c.name)).toEqual([`${fleet}-debug`, `${fleet}-web`])
      const removed = await apply()
      expect(outcome(removed, "debug")?.outcome).toBe("removed")
      expect((await containers()).map((c) => c.name)).toEqual([`${fleet}-web`])
    }, 240_000)

    it("replaces a network_mode: host service stop-first: the new one binds the port the old one held", async () => {
      const port = await freePort()
      const host = (level: string) => [
        "  web:",
        "    image: fleetd-test/app:v1",
        `    command: ["httpd", "-f", "-p", "127.0.0.1:${port}", "-h", "/var/www"]`,
        "    network_mode: host",
        `    environment: { LEVEL: ${level} }`,
        ...gate,
      ]
      write(host("info"))
      expect((await apply()).code).toBe(0)
      write(host("debug"))
      const plan = await fleetd("plan")
      expect(plan.stdout).toContain(
        `~ web: replace ${fleet}-web: spec changed (environment.LEVEL), stop-first`,
      )
      const replaced = await apply()
      expect(replaced.code).toBe(0)
      expect(outcome(replaced, "web")?.outcome).toBe("replaced")
      const page = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) })
      expect(page.status).toBe(200)
      expect((await containers()).map((c) => `${c.name}:${c.state}`)).toEqual([`${fleet}-web:running`])
    }, 240_000)
  })
}
