import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type Docker from "dockerode"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { Labels } from "../../src/domain/labels.ts"
import { freePort } from "../support/freePort.ts"
import { applyJson } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

const httpd = `["httpd", "-f", "-p", "8080", "-h", "/var/www"]`
const exitsAtOnce = `["sh", "-c", "echo starting; echo 'fatal: no config' >&2; exit 3"]`
/** Fast checks so the gate decides within a couple of seconds on both engines. */
const check = (test: string) =>
  [
    "    healthcheck:",
    `      test: ${test}`,
    "      interval: 500ms",
    "      timeout: 2s",
    "      retries: 1",
  ].join("\n")
const selfCheck = check(`["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]`)

const manifest = (fleet: string, image: string, command: string, ports: string, extra = "") =>
  [
    `name: ${fleet}`,
    "services:",
    "  web:",
    `    image: ${image}`,
    `    command: ${command}`,
    `    ports: ["${ports}"]`,
    "    stop_grace_period: 1s",
    "    x-fleetd:",
    "      update:",
    "        min_ready: 1s",
    "        health_timeout: 20s",
    ...(extra === "" ? [] : [extra]),
  ].join("\n")

/** Requests a page every 25 ms and records each failure, to prove "no gap" (or measure one). */
const poll = (url: () => string) => {
  const failures: Array<string> = []
  let ok = 0
  let stop = false
  const loop = (async () => {
    while (!stop) {
      try {
        const text = await fetch(url(), { signal: AbortSignal.timeout(2000) }).then((r) => r.text())
        if (text.includes("fleetd test image v1")) ok++
        else failures.push(`unexpected page: ${text.slice(0, 40)}`)
      } catch (e) {
        failures.push(String(e))
      }
      await new Promise((r) => setTimeout(r, 25))
    }
  })()
  return {
    failures,
    stop: async () => {
      stop = true
      await loop
      return ok
    },
  }
}

const hostPort = async (docker: Docker, name: string) => {
  const info = await docker.getContainer(name).inspect()
  const port = info.NetworkSettings.Ports["8080/tcp"]?.[0]?.HostPort
  if (port === undefined) throw new Error(`${name} publishes no port`)
  return Number(port)
}

const containersOf = async (docker: Docker, fleet: string) =>
  (await docker.listContainers({ all: true, filters: { label: [`${Labels.fleet}=${fleet}`] } }))
    .map((c) => `${c.Names[0]?.replace(/^\//, "")}:${c.State}`)
    .sort()

interface Applied {
  readonly code: number
  readonly services: ReadonlyArray<{ service: string; outcome: string; reason?: string; logs?: string }>
}

for (const engine of testEngines()) {
  describe(`health-gated rollouts on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let file = ""
    const apply = (text: string): Promise<Applied> => applyJson(file, text, engine.host)
    const page = async (port: number) =>
      fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text())

    beforeEach(() => {
      fleet = uniqueFleet("roll")
      file = join(mkdtempSync(join(tmpdir(), "fleetd-roll-")), "fleet.yaml")
    })
    afterEach(() => cleanupFleet(engine, fleet))

    /** v1 on an engine-chosen loopback port: start-first, so the old container never stops. */
    const deployV1 = async () => {
      const first = await apply(manifest(fleet, "fleetd-test/app:v1", httpd, "127.0.0.1::8080"))
      expect(first.services[0]?.outcome).toBe("created")
      return hostPort(docker, `${fleet}-web`)
    }

    it("rolls back a new version that exits at once, with no failed request during the rollout", async () => {
      const port = await deployV1()
      const poller = poll(() => `http://127.0.0.1:${port}/`)
      const result = await apply(manifest(fleet, "fleetd-test/app:v2", exitsAtOnce, "127.0.0.1::8080"))
      const served = await poller.stop()
      expect(result.code).toBe(1)
      expect(result.services[0]).toMatchObject({ service: "web", outcome: "rolled-back" })
      expect(result.services[0]?.reason).toMatch(/web--next exited .*exit code 3.*; rolled back to/)
      expect(result.services[0]?.logs).toContain("fatal: no config")
      expect(poller.failures).toEqual([])
      expect(served).toBeGreaterThan(0)
      expect(await containersOf(docker, fleet)).toEqual([`${fleet}-web:running`])
      expect(await page(port)).toContain("fleetd test image v1")
    })

    it("rolls back a new version whose healthcheck fails, with no failed request", async () => {
      const port = await deployV1()
      const poller = poll(() => `http://127.0.0.1:${port}/`)
      const result = await apply(
        manifest(fleet, "fleetd-test/app:v2", httpd, "127.0.0.1::8080", check(`["CMD", "false"]`)),
      )
      await poller.stop()
      expect(result.services[0]).toMatchObject({ service: "web", outcome: "rolled-back" })
      expect(result.services[0]?.reason).toMatch(/is unhealthy|did not become healthy/)
      expect(poller.failures).toEqual([])
      expect(await containersOf(docker, fleet)).toEqual([`${fleet}-web:running`])
      expect(await page(port)).toContain("fleetd test image v1")
    })

    it("rolls back stop-first on a fixed host port: the old container serves on it again", async () => {
      const port = await freePort()
      const fixed = `127.0.0.1:${port}:8080`
      expect((await apply(manifest(fleet, "fleetd-test/app:v1", httpd, fixed))).code).toBe(0)
      const result = await apply(manifest(fleet, "fleetd-test/app:v2", exitsAtOnce, fixed))
      expect(result.services[0]).toMatchObject({ service: "web", outcome: "rolled-back" })
      expect(await containersOf(docker, fleet)).toEqual([`${fleet}-web:running`])
      // The old container was stopped for the attempt; it must answer again right away.
      const deadline = Date.now() + 5000
      let text = ""
      while (Date.now() < deadline && !text.includes("v1")) text = await page(port).catch(() => "")
      expect(text).toContain("fleetd test image v1")
    })

    it("replaces once a good version passes its healthcheck", async () => {
      await deployV1()
      const result = await apply(manifest(fleet, "fleetd-test/app:v2", httpd, "127.0.0.1::8080", selfCheck))
      expect(result.code).toBe(0)
      expect(result.services[0]).toMatchObject({ service: "web", outcome: "replaced" })
      const state = await docker.getContainer(`${fleet}-web`).inspect()
      expect(state.State.Health?.Status).toBe("healthy")
      expect(await page(await hostPort(docker, `${fleet}-web`))).toContain("fleetd test image v2")
    })
  })
}
