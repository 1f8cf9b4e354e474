import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type Daemon, eventually, startDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, runningEnv, testEngines, uniqueFleet } from "../support/testEngines.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

for (const engine of testEngines()) {
  describe(`fleetd run --dir on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let dir = ""
    let daemon: Daemon | undefined

    const envOf = (name: string) => runningEnv(docker, name)

    beforeEach(() => {
      fleet = uniqueFleet("dir")
      dir = mkdtempSync(join(tmpdir(), "fleetd-dir-"))
      writeFileSync(
        join(dir, "fleet.yaml"),
        `name: ${fleet}\nservices:\n  app:\n    image: fleetd-test/app:v1\n    command: ${idle}\n    env_file: ./app.env\n    stop_grace_period: 2s\n    x-fleetd:\n      update:\n        min_ready: 0s\n`,
      )
      writeFileSync(join(dir, "app.env"), "MODE=one\n")
    })
    afterEach(async () => {
      if (daemon && daemon.process.exitCode === null) await daemon.stop()
      daemon = undefined
      await cleanupFleet(engine, fleet)
    })

    it("applies an edit to a referenced env_file within a second, and fleetd status shows it", async () => {
      const port = await freePort()
      const d = startDaemon(["--dir", dir, "--interval", "1h"], { dockerHost: engine.host, port })
      daemon = d
      await eventually("the first container", async () =>
        (await envOf(`${fleet}-app`))?.includes("MODE=one") ? true : undefined,
      )
      // Let the 1 s spacing between passes elapse, so the edit is picked up at once.
      await new Promise((r) => setTimeout(r, 1100))
      const edited = Date.now()
      writeFileSync(join(dir, "app.env"), "MODE=two\n")
      await eventually("the edit applied", async () =>
        (await envOf(`${fleet}-app`))?.includes("MODE=two") ? true : undefined,
      )
      console.log(`${engine.kind}: env_file edit → container running in ${Date.now() - edited} ms`)
      // The new container holds the name before the old one (--prev) is removed and the pass ends.
      const status = await eventually("the pass recorded", async () => {
        const s = await d.status()
        return s.services[0]?.lastChange?.outcome === "replaced" ? s : undefined
      })
      expect(status.lastPass?.triggers).toEqual(["file"])
      expect(status.services[0]?.lastChange).toMatchObject({ outcome: "replaced", reason: "spec changed" })

      const shown = await runFleetd(["status", "--url", d.base], { dockerHost: engine.host })
      expect(shown.code).toBe(0)
      expect(shown.stdout).toContain(`fleet ${fleet}: Synced`)
      expect(shown.stdout).toMatch(/app\s+Synced\s+(Healthy|Starting)\s+fleetd-test\/app:v1\s+-\s+replaced/)

      // A file the manifest does not reference changes nothing.
      const passes = await d.metric("fleetd_reconcile_total")
      writeFileSync(join(dir, "unrelated.txt"), "x")
      await new Promise((r) => setTimeout(r, 1500))
      expect(await d.metric("fleetd_reconcile_total")).toBe(passes)
    })

    it("fleetd status says when no daemon answers", async () => {
      const port = await freePort()
      const shown = await runFleetd(["status", "--url", `http://127.0.0.1:${port}`], {
        dockerHost: engine.host,
      })
      expect(shown.code).toBe(1)
      expect(shown.stderr).toContain("Is `fleetd run` running there?")
    })
  })
}
