import { cpSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type Daemon, eventually, startDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, runningEnv, testEngines, uniqueFleet } from "../support/testEngines.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`
/** The shortest expiry fleetd accepts, so a takeover is quick to see. */
const expiry = 3

/** One writer per fleet per engine (docs/lease.md): two daemons, a SIGKILL, and an apply that must wait. */
for (const engine of testEngines()) {
  describe(`the fleet lease on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let dir = ""
    const daemons: Array<Daemon> = []

    const writeEnv = (mode: string) => writeFileSync(join(dir, "app.env"), `MODE=${mode}\n`)
    const envOf = (name: string) => runningEnv(docker, name)
    const start = async () => {
      const d = startDaemon(["--dir", dir, "--interval", "1h", "--lease-expiry", `${expiry}s`], {
        dockerHost: engine.host,
        port: await freePort(),
      })
      daemons.push(d)
      return d
    }
    const ready = async (d: Daemon) => {
      const response = await fetch(`${d.base}/ready`)
      return { code: response.status, body: (await response.json()) as { reasons: ReadonlyArray<string> } }
    }
    const managed = async () =>
      (await docker.listContainers({ all: true, filters: { label: [`fleetd.fleet=${fleet}`] } })).map((c) =>
        c.Names[0]?.replace(/^\//, ""),
      )

    beforeEach(() => {
      fleet = uniqueFleet("lease")
      dir = mkdtempSync(join(tmpdir(), "fleetd-lease-"))
      writeFileSync(
        join(dir, "fleet.yaml"),
        `name: ${fleet}\nservices:\n  app:\n    image: fleetd-test/app:v1\n    command: ${idle}\n    env_file: ./app.env\n    stop_grace_period: 2s\n    x-fleetd:\n      update:\n        min_ready: 0s\n`,
      )
      writeEnv("one")
    })
    afterEach(async () => {
      for (const d of daemons.splice(0)) {
        if (d.process.exitCode === null && d.process.signalCode === null) d.process.kill("SIGKILL")
        await d.exited
      }
      await cleanupFleet(engine, fleet)
    })

    it("two daemons: one applies, the other waits and says who; after a SIGKILL of the holder the other takes over within the expiry", async () => {
      const a = await start()
      await eventually("a applies", async () =>
        (await envOf(`${fleet}-app`))?.includes("MODE=one") ? true : undefined,
      )
      await eventually("a synced", async () => ((await a.status()).phase === "Synced" ? true : undefined))
      expect((await a.status()).leases?.[0]?.held).toBe(true)
      const b = await start()
      const waiting = await eventually("b waits", async () => {
        const s = await b.status()
        return s.phase === "Waiting" && s.leases?.[0]?.held === false ? s : undefined
      })
      expect(waiting.leases?.[0]?.holder).toMatchObject({ command: "run", pid: a.process.pid })
      const notReady = await ready(b)
      expect(notReady.code).toBe(503)
      expect(notReady.body.reasons.join("\n")).toContain(
        `waiting for the lease of fleet ${fleet}: held by fleetd run on`,
      )
      expect(notReady.body.reasons.join("\n")).toContain(`(pid ${a.process.pid},`)
      expect((await ready(a)).code).toBe(200)
      expect(await a.metric("fleetd_lease_held")).toBe(1)
      expect(await b.metric("fleetd_lease_held")).toBe(0)

      // An edit is applied by the holder alone: b never plans, never touches a container.
      writeEnv("two")
      await eventually("a applies the edit", async () =>
        (await envOf(`${fleet}-app`))?.includes("MODE=two") ? true : undefined,
      )
      await eventually("a finished the replacement", async () =>
        (await managed()).length === 1 ? true : undefined,
      )
      expect(await managed()).toEqual([`${fleet}-app`])
      const bStatus = await b.status()
      expect(bStatus.services).toEqual([])
      expect(bStatus.lastAppliedRevision).toBeUndefined()

      // SIGKILL: a cannot let go; b takes over once the expiry has passed.
      a.process.kill("SIGKILL")
      const killed = Date.now()
      await eventually(
        "b takes over",
        async () => ((await b.status()).leases?.[0]?.held ? true : undefined),
        (expiry + 10) * 1000,
      )
      const takeover = Date.now() - killed
      console.log(`${engine.kind}: takeover ${takeover} ms after SIGKILL of the holder (expiry ${expiry}s)`)
      // Within the expiry counted from a's last renewal (at most a third of it before the kill), plus b's 1 s poll.
      expect(takeover).toBeLessThan(expiry * 1000 + 1500)
      await eventually("b is ready and synced", async () =>
        (await ready(b)).code === 200 ? true : undefined,
      )
      writeEnv("three")
      await eventually("b applies the next edit", async () =>
        (await envOf(`${fleet}-app`))?.includes("MODE=three") ? true : undefined,
      )
      await eventually("b finished the replacement", async () =>
        (await managed()).length === 1 ? true : undefined,
      )
      expect(await managed()).toEqual([`${fleet}-app`])
    })

    it("each fleetd apply holds the lease under an id of its own, also when started from the start-up snapshot", async () => {
      // bin/fleetd.js starts apply from dist/snapshot when `npm run build` made it (CI does):
      // an id drawn from a cache saved in the snapshot would be the same in every process.
      const leaseIds = async () =>
        (await docker.listVolumes({ filters: { label: [`fleetd.lease=${fleet}`] } })).Volumes.map(
          (v) => v.Labels?.["fleetd.lease.id"],
        )
      const apply = () => runFleetd(["apply", "-f", join(dir, "fleet.yaml")], { dockerHost: engine.host })
      expect((await apply()).code).toBe(0)
      const first = await leaseIds()
      expect((await apply()).code).toBe(0)
      const second = await leaseIds()
      expect(first.length).toBeGreaterThan(0)
      expect(second.length).toBeGreaterThan(0)
      for (const id of [...first, ...second]) expect(id).toMatch(/^[0-9a-f]{32}$/)
      expect(second.filter((id) => first.includes(id))).toEqual([])
    })

    it("fleetd apply waits while a daemon holds the fleet and fails naming it; once the daemon stops it applies at once", async () => {
      const d = await start()
      await eventually("the daemon applied", async () =>
        (await d.status()).phase === "Synced" ? true : undefined,
      )
      expect((await d.status()).leases?.[0]?.held).toBe(true)
      // The same fleet from another checkout, with an edit the daemon does not see.
      const other = mkdtempSync(join(tmpdir(), "fleetd-lease-apply-"))
      cpSync(dir, other, { recursive: true })
      writeFileSync(join(other, "app.env"), "MODE=by-apply\n")
      const before = (await docker.getContainer(`${fleet}-app`).inspect()).Id
      const started = Date.now()
      const refused = await runFleetd(["apply", "-f", join(other, "fleet.yaml"), "--lease-wait", "2s"], {
        dockerHost: engine.host,
      })
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(`fleet ${fleet} is held by fleetd run on`)
      expect(refused.stderr).toContain(`(pid ${d.process.pid},`)
      expect(refused.stderr).toContain("nothing was changed")
      expect((await docker.getContainer(`${fleet}-app`).inspect()).Id).toBe(before)

      // SIGTERM: the daemon lets go as it exits, so apply need not wait for the expiry.
      expect(await d.stop()).toBe(0)
      const applied = await runFleetd(["apply", "-f", join(other, "fleet.yaml"), "--lease-wait", "1s"], {
        dockerHost: engine.host,
      })
      expect(applied.stderr).not.toContain("is held by")
      expect(applied.code).toBe(0)
      expect(await envOf(`${fleet}-app`)).toContain("MODE=by-apply")
    })
  })
}
