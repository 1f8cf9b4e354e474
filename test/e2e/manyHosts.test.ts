/**
 * One repository, a folder per host: each host's fleetd follows hosts/{host}/ (or
 * {hostname}) and runs only its own folder's services. Two daemons on one engine stand
 * in for two hosts; each has its own data directory, as each host would.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type Daemon, eventually, startDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { cleanupFleet, rawClient, runningEnv, testEngines, uniqueFleet } from "../support/testEngines.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`
const engine = testEngines()[0]

describe.runIf(engine !== undefined)("one repository for many hosts", () => {
  const daemons: Array<Daemon> = []
  const fleets: Array<string> = []
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => (d.process.exitCode === null ? d.stop() : undefined)))
    if (engine) for (const fleet of fleets.splice(0)) await cleanupFleet(engine, fleet)
  })

  it("each host's fleetd runs hosts/{host}/ of the same directory, and nothing of the others", async () => {
    if (!engine) return
    const docker = rawClient(engine)
    const repo = mkdtempSync(join(tmpdir(), "fleetd-hosts-"))
    const stem = uniqueFleet("hosts")
    for (const host of ["nas", "vps"]) {
      const fleet = `${stem}-${host}`
      fleets.push(fleet)
      mkdirSync(join(repo, "hosts", host), { recursive: true })
      writeFileSync(
        join(repo, "hosts", host, "fleet.yaml"),
        `name: ${fleet}\nservices:\n  app:\n    image: fleetd-test/app:v1\n    command: ${idle}\n    environment: { HOST: ${host} }\n    stop_grace_period: 2s\n    x-fleetd:\n      update:\n        min_ready: 0s\n`,
      )
    }
    for (const host of ["nas", "vps"]) {
      const port = await freePort()
      const data = mkdtempSync(join(tmpdir(), `fleetd-hosts-${host}-`))
      daemons.push(
        startDaemon(
          ["--dir", repo, "--path", "hosts/{host}/fleet.yaml", "--host-name", host, "--data-dir", data],
          { dockerHost: engine.host, port },
        ),
      )
    }
    for (const host of ["nas", "vps"])
      await eventually(`${host}'s container`, async () =>
        (await runningEnv(docker, `${stem}-${host}-app`))?.includes(`HOST=${host}`) ? true : undefined,
      )
    // Each daemon reports its own folder's fleet only.
    const [nas, vps] = await Promise.all(daemons.map((d) => d.status()))
    expect(nas?.fleet).toBe(`${stem}-nas`)
    expect(vps?.fleet).toBe(`${stem}-vps`)
    expect(nas?.services.map((s) => s.name)).toEqual(["app"])
  })
})
