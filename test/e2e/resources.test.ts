import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type Docker from "dockerode"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { Labels } from "../../src/domain/labels.ts"
import { execIn } from "../support/execIn.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

/** Serves /var/www on port 8080 and exits on TERM, so stops are quick. */
const server = `["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8080 -h /var/www & wait"]`
const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

interface Applied {
  readonly code: number
  readonly services: ReadonlyArray<{ service: string; outcome: string; reason?: string }>
  readonly resources: ReadonlyArray<{ kind: string; name: string; outcome: string; reason?: string }>
}

/** `wget` from one of the test's own containers to another, by name, over their own network (no -T: this busybox crashes with it). */
const fetchFrom = (docker: Docker, container: string, host: string): Promise<string> =>
  execIn(docker, container, ["wget", "-q", "-O", "-", `http://${host}:8080/`])

for (const engine of testEngines()) {
  describe(`networks, volumes and suspend on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let file = ""
    const write = (text: string) => writeFileSync(file, `name: ${fleet}\n${text}`)
    const apply = async (): Promise<Applied> => {
      const result = await runFleetd(["apply", "--json", "-f", file], { dockerHost: engine.host })
      expect(result.stderr).toBe("")
      return { code: result.code ?? -1, ...(JSON.parse(result.stdout) as Omit<Applied, "code">) }
    }
    const outcomes = (r: Applied) => Object.fromEntries(r.services.map((s) => [s.service, s.outcome]))
    const resources = (r: Applied) => r.resources.map((x) => `${x.kind} ${x.name}: ${x.outcome}`)
    /** `fleetd` lines go inside the service's x-fleetd block (6 spaces). */
    const service = (name: string, extra: string, fleetd = "") =>
      `  ${name}:\n    image: fleetd-test/app:v1\n    stop_grace_period: 2s\n    x-fleetd:\n      update:\n        min_ready: 1s\n${fleetd}${extra}`

    beforeEach(() => {
      fleet = uniqueFleet("res")
      file = join(mkdtempSync(join(tmpdir(), "fleetd-res-")), "fleet.yaml")
    })
    afterEach(() => cleanupFleet(engine, fleet))

    it("recreates a network whose labels change; its containers reach each other by name again", async () => {
      const manifest = (label: string) =>
        [
          "services:",
          service("web", `    command: ${server}\n    networks:\n      back:\n        aliases: [site]\n`),
          service("client", `    command: ${idle}\n    networks: [back]\n`),
          "networks:",
          "  back:",
          "    labels:",
          `      tier: "${label}"`,
        ].join("\n")
      write(manifest("one"))
      expect(outcomes(await apply())).toEqual({ client: "created", web: "created" })
      const before = (await docker.getNetwork(`${fleet}_back`).inspect()) as { Id: string }
      expect(await fetchFrom(docker, `${fleet}-client`, "site")).toContain("fleetd test image v1")
      const ids = await Promise.all(
        ["web", "client"].map(async (s) => (await docker.getContainer(`${fleet}-${s}`).inspect()).Id),
      )

      write(manifest("two"))
      const result = await apply()
      expect(result.code).toBe(0)
      expect(resources(result)).toEqual([`network ${fleet}_back: recreated`])
      expect(outcomes(result)).toEqual({ client: "unchanged", web: "unchanged" })
      const after = (await docker.getNetwork(`${fleet}_back`).inspect()) as {
        Id: string
        Labels: Record<string, string>
      }
      expect(after.Id).not.toBe(before.Id)
      expect(after.Labels["tier"]).toBe("two")
      expect(
        await Promise.all(
          ["web", "client"].map(async (s) => (await docker.getContainer(`${fleet}-${s}`).inspect()).Id),
        ),
      ).toEqual(ids)
      // By the alias and by the service name, over the new network.
      expect(await fetchFrom(docker, `${fleet}-client`, "site")).toContain("fleetd test image v1")
      expect(await fetchFrom(docker, `${fleet}-client`, "web")).toContain("fleetd test image v1")
      expect(outcomes(await apply())).toEqual({ client: "unchanged", web: "unchanged" })
    })

    it("removes a network that leaves the manifest, never an unlabelled one of the same name", async () => {
      const unmanaged = `${fleet}_theirs`
      await docker.createNetwork({ Name: unmanaged, Driver: "bridge" })
      await docker.createVolume({ Name: `${fleet}_theirs_data` })
      write(
        [
          "services:",
          service("a", `    command: ${idle}\n    networks: [extra]\n`),
          "networks:",
          "  extra: {}",
        ].join("\n"),
      )
      await apply()
      await docker.getNetwork(`${fleet}_extra`).inspect()
      write(
        ["x-fleetd:", "  prune_volumes: true", "services:", service("a", `    command: ${idle}\n`)].join(
          "\n",
        ),
      )
      const result = await apply()
      expect(result.code).toBe(0)
      expect(resources(result)).toContain(`network ${fleet}_extra: removed`)
      await expect(docker.getNetwork(`${fleet}_extra`).inspect()).rejects.toThrow()
      await docker.getNetwork(unmanaged).inspect()
      await docker.getVolume(`${fleet}_theirs_data`).inspect()
      // Declaring the unmanaged name is refused, not adopted.
      write(
        [
          "services:",
          service("a", `    command: ${idle}\n    networks: [theirs]\n`),
          "networks:",
          "  theirs: {}",
        ].join("\n"),
      )
      const refused = await apply()
      expect(refused.code).toBe(1)
      expect(refused.resources.find((r) => r.name === unmanaged)?.reason).toContain("not managed by fleet")
      const labels = ((await docker.getNetwork(unmanaged).inspect()) as { Labels?: Record<string, string> })
        .Labels
      expect(labels?.[Labels.fleet]).toBeUndefined()
      await docker.getNetwork(unmanaged).remove()
    })

    it("keeps a volume after its service and the volume leave the manifest; prune_volumes removes it", async () => {
      const name = `${fleet}_data`
      write(
        [
          "services:",
          service(
            "db",
            `    command: ["sh", "-c", "echo kept > /data/proof; trap 'exit 0' TERM; while true; do sleep 0.2; done"]\n    volumes: ["data:/data"]\n`,
          ),
          service("other", `    command: ${idle}\n`),
          "volumes:",
          "  data: {}",
        ].join("\n"),
      )
      await apply()
      write(["services:", service("other", `    command: ${idle}\n`)].join("\n"))
      const removed = await apply()
      expect(outcomes(removed)).toEqual({ db: "removed", other: "unchanged" })
      expect(resources(removed)).toEqual([`volume ${name}: kept`])
      const volume = (await docker.getVolume(name).inspect()) as { Labels: Record<string, string> }
      expect(volume.Labels[Labels.fleet]).toBe(fleet)
      // The data is still there: read it from a container of the test's own.
      write(
        [
          "services:",
          service("other", `    command: ${idle}\n`),
          service("reader", `    command: ${idle}\n    volumes: ["data:/data"]\n`),
          "volumes:",
          "  data: {}",
        ].join("\n"),
      )
      await apply()
      const exec = await docker
        .getContainer(`${fleet}-reader`)
        .exec({ Cmd: ["cat", "/data/proof"], AttachStdout: true })
      const out = await new Promise<string>((resolve) => {
        void exec.start({ hijack: true, stdin: false }).then((s) => {
          let text = ""
          s.on("data", (c: Buffer) => {
            text += c.toString("latin1")
          })
          s.on("end", () => resolve(text))
        })
      })
      expect(out).toContain("kept")
      write(
        ["x-fleetd:", "  prune_volumes: true", "services:", service("other", `    command: ${idle}\n`)].join(
          "\n",
        ),
      )
      const pruned = await apply()
      expect(resources(pruned)).toEqual([`volume ${name}: removed`])
      await expect(docker.getVolume(name).inspect()).rejects.toThrow()
    })

    it("leaves a suspended service exactly as it is while its environment changes", async () => {
      const manifest = (level: string, suspend: string) =>
        [
          "services:",
          service("a", `    command: ${idle}\n    environment:\n      LEVEL: ${level}\n`, suspend),
          service("b", `    command: ${idle}\n    environment:\n      LEVEL: ${level}\n`, suspend),
        ].join("\n")
      write(manifest("info", ""))
      await apply()
      await docker.getContainer(`${fleet}-b`).stop({ t: 0 })
      const snapshot = async (s: string) => {
        const c = await docker.getContainer(`${fleet}-${s}`).inspect()
        return { id: c.Id, running: c.State.Running, env: c.Config.Env.filter((e) => e.startsWith("LEVEL=")) }
      }
      const before = { a: await snapshot("a"), b: await snapshot("b") }
      const suspend = '      suspend: "maintenance window"\n'
      write(manifest("debug", suspend))
      const result = await apply()
      expect(result.code).toBe(0)
      expect(result.services.map((s) => `${s.service}: ${s.outcome}: ${s.reason}`)).toEqual([
        "a: suspended: maintenance window",
        "b: suspended: maintenance window",
      ])
      expect({ a: await snapshot("a"), b: await snapshot("b") }).toEqual(before)
      expect(before.b.running).toBe(false)
      const plan = await runFleetd(["plan", "-f", file], { dockerHost: engine.host })
      expect(plan.stdout).toContain("= a: suspended: maintenance window")
      // Resumed: the change is applied at last.
      write(manifest("debug", ""))
      expect(outcomes(await apply())).toEqual({ a: "replaced", b: "replaced" })
    })
  })
}
