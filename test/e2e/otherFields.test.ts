import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { createsFor, type RecordedCreate, startRecordingProxy } from "../support/recordingProxy.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`
const service = (name: string, ...fields: Array<string>) => [
  `  ${name}:`,
  "    image: fleetd-test/app:v1",
  `    command: ${idle}`,
  "    stop_grace_period: 1s",
  "    x-fleetd: {update: {min_ready: 0s}}",
  ...fields.map((f) => `    ${f}`),
]

/** One service per field, so each engine's answer to each is visible on its own. */
const fleetText = (fleet: string) =>
  [
    `name: ${fleet}`,
    "services:",
    ...service("weighted", "blkio_config: {weight: 300}", "scale: 1", "attach: false"),
    ...service("privatecg", "cgroup: private"),
    ...service("storage", "storage_opt: {size: 1G}"),
  ].join("\n")

for (const engine of testEngines()) {
  describe(`the remaining Compose fields on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let dir = ""
    let proxy: Awaited<ReturnType<typeof startRecordingProxy>> | undefined

    beforeEach(async () => {
      fleet = uniqueFleet("oth")
      dir = mkdtempSync(join(tmpdir(), "fleetd-other-"))
      proxy = await startRecordingProxy(engine.host)
    })
    afterEach(async () => {
      await proxy?.close()
      await cleanupFleet(engine, fleet)
    })

    const apply = async (text: string) => {
      writeFileSync(join(dir, "fleet.yaml"), text)
      const result = await runFleetd(["apply", "--json", "-f", join(dir, "fleet.yaml")], {
        dockerHost: proxy!.host,
      })
      const parsed = JSON.parse(result.stdout) as {
        services: Array<{ service: string; outcome: string; reason?: string }>
      }
      return {
        stderr: result.stderr,
        outcomes: Object.fromEntries(parsed.services.map((s) => [s.service, s.outcome])),
        reasons: Object.fromEntries(parsed.services.map((s) => [s.service, s.reason ?? ""])),
      }
    }
    const created = (name: string): RecordedCreate => {
      const found = createsFor(proxy!.creates, `${fleet}-${name}`)
      // A create the engine refuses is tried again: the last one is what was sent.
      expect(found.length, `create requests for ${name}`).toBeGreaterThan(0)
      return found.at(-1)!
    }
    const hostConfig = async (name: string) =>
      (await docker.getContainer(`${fleet}-${name}`).inspect()).HostConfig as unknown as Record<
        string,
        unknown
      >

    it("sends blkio weight, cgroup and storage_opt as compose does, and the engine answers", async () => {
      const result = await apply(fleetText(fleet))
      expect(created("weighted").body.HostConfig).toMatchObject({ BlkioWeight: 300 })
      expect(created("privatecg").body.HostConfig).toMatchObject({ CgroupnsMode: "private" })
      expect(created("storage").body.HostConfig).toMatchObject({ StorageOpt: { size: "1G" } })
      expect(result.outcomes["weighted"]).toBe("created")
      expect(result.outcomes["privatecg"]).toBe("created")
      // storage_opt size needs overlay on xfs with pquota (docs/limitations.md); where the
      // engine's storage cannot, it refuses the create and that service alone fails.
      if (result.outcomes["storage"] === "created")
        expect(await hostConfig("storage")).toMatchObject({ StorageOpt: { size: "1G" } })
      else expect(result.reasons["storage"]).toContain("--storage-opt is supported only for overlay over xfs")
    }, 240_000)
  })
}
