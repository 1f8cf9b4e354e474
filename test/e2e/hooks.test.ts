import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type Docker from "dockerode"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { Labels } from "../../src/domain/labels.ts"
import { applyJson, runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

const manifest = (fleet: string, image: string, hooks: ReadonlyArray<string>) =>
  [
    `name: ${fleet}`,
    "services:",
    "  web:",
    `    image: ${image}`,
    `    command: ["sleep", "3600"]`,
    "    network_mode: none",
    "    stop_grace_period: 1s",
    "    x-fleetd:",
    "      update: { min_ready: 500ms }",
    ...(hooks.length === 0 ? [] : ["      hooks:", ...hooks.map((h) => `        ${h}`)]),
  ].join("\n")

interface Hook {
  phase: string
  exitCode?: number
  outputTail?: string
  ok: boolean
}
interface Applied {
  readonly code: number
  readonly services: ReadonlyArray<{
    service: string
    outcome: string
    reason?: string
    logs?: string
    hooks?: Array<Hook>
  }>
}

/** Every container of the fleet, hook containers included, as `name:state:image`. */
const containersOf = async (docker: Docker, fleet: string) =>
  (await docker.listContainers({ all: true, filters: { label: [`${Labels.fleet}=${fleet}`] } }))
    // Podman lists images with a registry prefix.
    .map(
      (c) =>
        `${c.Names[0]?.replace(/^\//, "")}:${c.State}:${c.Image.replace(/^(localhost|docker\.io)\//, "")}`,
    )
    .sort()

/** Runs a command in a container through the raw client, for reading what a hook left. */
const readInside = async (docker: Docker, name: string, command: Array<string>) => {
  const exec = await docker.getContainer(name).exec({ Cmd: command, AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: false })
  const chunks: Array<Buffer> = []
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (c: Buffer) => chunks.push(c))
    stream.on("end", () => resolve())
    stream.on("error", reject)
  })
  // Strip the 8-byte multiplexing headers: the test's own reads are short single frames.
  const all = Buffer.concat(chunks)
  let text = ""
  for (let i = 0; i + 8 <= all.length; ) {
    const size = all.readUInt32BE(i + 4)
    text += all.subarray(i + 8, i + 8 + size).toString()
    i += 8 + size
  }
  return text
}

for (const engine of testEngines()) {
  describe(`hooks on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let file = ""
    const apply = (text: string): Promise<Applied> => applyJson(file, text, engine.host)
    const deployV1 = async () => {
      const first = await apply(manifest(fleet, "fleetd-test/app:v1", []))
      expect(first.services[0]?.outcome).toBe("created")
      return (await docker.getContainer(`${fleet}-web`).inspect()).Id
    }

    beforeEach(() => {
      fleet = uniqueFleet("hook")
      file = join(mkdtempSync(join(tmpdir(), "fleetd-hook-")), "fleet.yaml")
    })
    afterEach(() => cleanupFleet(engine, fleet))

    it("a failing pre_deploy leaves the old container untouched and reports its exit code and output", async () => {
      const id = await deployV1()
      const result = await apply(
        manifest(fleet, "fleetd-test/app:v2", [
          "pre_deploy:",
          `  - run: { command: ["sh", "-c", "echo migrating; echo 'no database' >&2; exit 3"] }`,
        ]),
      )
      expect(result.code).toBe(1)
      expect(result.services).toHaveLength(1)
      expect(result.services[0]).toMatchObject({ service: "web", outcome: "failed" })
      expect(result.services[0]?.reason).toMatch(/pre_deploy\[0\] \(run\) exited with code 3/)
      expect(result.services[0]?.logs).toContain("no database")
      expect(result.services[0]?.hooks?.[0]).toMatchObject({ phase: "pre_deploy", exitCode: 3, ok: false })
      expect(result.services[0]?.hooks?.[0]?.outputTail).toContain("migrating")
      const after = await docker.getContainer(`${fleet}-web`).inspect()
      expect(after.Id).toBe(id)
      expect(after.State.Running).toBe(true)
      // The hook container is gone, and the next plan has nothing to remove.
      expect(await containersOf(docker, fleet)).toEqual([`${fleet}-web:running:fleetd-test/app:v1`])
      const planned = await runFleetd(["plan", "--json", "-f", file], { dockerHost: engine.host })
      const changes = (JSON.parse(planned.stdout) as { changes: Array<{ action: string }> }).changes
      expect(changes.map((c) => c.action)).toEqual(["replace"])
    })

    it("runs a post_deploy exec in the new container exactly once per change", async () => {
      await deployV1()
      const hooks = ["post_deploy:", `  - exec: { command: ["sh", "-c", "echo ran >> /tmp/post-deploy"] }`]
      const first = await apply(manifest(fleet, "fleetd-test/app:v2", hooks))
      expect(first.code).toBe(0)
      expect(first.services[0]).toMatchObject({ outcome: "replaced" })
      expect(first.services[0]?.hooks?.[0]).toMatchObject({ phase: "post_deploy", exitCode: 0, ok: true })
      const second = await apply(manifest(fleet, "fleetd-test/app:v2", hooks))
      expect(second.services[0]).toMatchObject({ outcome: "unchanged" })
      expect(await readInside(docker, `${fleet}-web`, ["cat", "/tmp/post-deploy"])).toBe("ran\n")
      expect(await containersOf(docker, fleet)).toEqual([`${fleet}-web:running:fleetd-test/app:v2`])
    })

    it("rolls back when post_deploy fails: the old container serves under its name again", async () => {
      const id = await deployV1()
      const result = await apply(
        manifest(fleet, "fleetd-test/app:v2", [
          "post_deploy:",
          `  - exec: { command: ["sh", "-c", "echo smoke test failed; exit 1"] }`,
          "on_failure:",
          `  - run: { command: ["echo", "alerted"] }`,
        ]),
      )
      expect(result.services[0]).toMatchObject({ service: "web", outcome: "rolled-back" })
      expect(result.services[0]?.reason).toMatch(
        /post_deploy\[0\] \(exec\) exited with code 1; rolled back to/,
      )
      expect(result.services[0]?.logs).toContain("smoke test failed")
      expect(result.services[0]?.hooks?.map((h) => [h.phase, h.exitCode])).toEqual([
        ["post_deploy", 1],
        ["on_failure", 0],
      ])
      expect(result.services[0]?.hooks?.[1]?.outputTail).toBe("alerted")
      const after = await docker.getContainer(`${fleet}-web`).inspect()
      expect(after.Id).toBe(id)
      expect(after.State.Running).toBe(true)
      expect(await containersOf(docker, fleet)).toEqual([`${fleet}-web:running:fleetd-test/app:v1`])
    })

    it("a step that runs too long is killed, reported as timed out, and its container removed", async () => {
      await deployV1()
      const result = await apply(
        manifest(fleet, "fleetd-test/app:v2", [
          "pre_deploy:",
          `  - run: { command: ["sleep", "30"], timeout: 1s }`,
        ]),
      )
      expect(result.services[0]).toMatchObject({ outcome: "failed" })
      expect(result.services[0]?.reason).toMatch(/timed out after 1s/)
      expect(await containersOf(docker, fleet)).toEqual([`${fleet}-web:running:fleetd-test/app:v1`])
    })
  })
}
