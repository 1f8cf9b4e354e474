import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import type Docker from "dockerode"
import { Effect, Layer } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { Labels } from "../../src/domain/labels.ts"
import { CountingEngine, EngineCallCounter } from "../../src/engine/CountingEngine.ts"
import { DockerEngine } from "../../src/engine/DockerEngine.ts"
import { loadManifest } from "../../src/manifest/loadManifest.ts"
import { reconcile } from "../../src/reconciler/reconcile.ts"
import { freePort } from "../support/freePort.ts"
import { runFleetd, startFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

/** A shell that exits on TERM: busybox `sleep` as PID 1 would ignore it. */
const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

interface Service {
  readonly image?: string
  readonly env?: Record<string, string>
  readonly extra?: string
}

const manifest = (fleet: string, services: Record<string, Service>): string =>
  [
    `name: ${fleet}`,
    "services:",
    ...Object.entries(services).flatMap(([name, s]) => [
      `  ${name}:`,
      `    image: ${s.image ?? "fleetd-test/app:v1"}`,
      ...(s.extra ? [s.extra] : [`    command: ${idle}`]),
      "    stop_grace_period: 2s",
      // A short health gate keeps the suite fast; rollout.test.ts covers the gate itself.
      "    x-fleetd:",
      "      update:",
      "        min_ready: 1s",
      ...(s.env ? ["    environment:", ...Object.entries(s.env).map(([k, v]) => `      ${k}: "${v}"`)] : []),
    ]),
  ].join("\n")

const containersOf = async (docker: Docker, fleet: string) =>
  (await docker.listContainers({ all: true, filters: { label: [`${Labels.fleet}=${fleet}`] } }))
    .map((c) => ({ id: c.Id, name: c.Names[0]?.replace(/^\//, "") ?? "", state: c.State, image: c.ImageID }))
    .sort((a, b) => a.name.localeCompare(b.name))

for (const engine of testEngines()) {
  describe(`fleetd apply on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let dir = ""
    let file = ""
    const write = (services: Record<string, Service>) => writeFileSync(file, manifest(fleet, services))
    const fleetd = (...args: Array<string>) => runFleetd([...args, "-f", file], { dockerHost: engine.host })
    const applied = async () => {
      const result = await fleetd("apply", "--json")
      expect(result.stderr).toBe("")
      return {
        code: result.code,
        ...(JSON.parse(result.stdout) as { services: Array<{ service: string; outcome: string }> }),
      }
    }
    const outcomes = (r: { services: Array<{ service: string; outcome: string }> }) =>
      Object.fromEntries(r.services.map((s) => [s.service, s.outcome]))

    beforeEach(() => {
      fleet = uniqueFleet("e2e")
      dir = mkdtempSync(join(tmpdir(), "fleetd-e2e-"))
      file = join(dir, "fleet.yaml")
    })
    afterEach(() => cleanupFleet(engine, fleet))

    it("creates everything, then a second apply changes nothing and makes no mutating engine call", async () => {
      const port = await freePort()
      write({
        web: {
          extra: `    command: ["httpd", "-f", "-p", "8080", "-h", "/var/www"]\n    ports: ["127.0.0.1:${port}:8080"]`,
        },
        worker: { env: { MODE: "batch" } },
      })
      const first = await applied()
      expect(first.code).toBe(0)
      expect(outcomes(first)).toEqual({ web: "created", worker: "created" })
      const before = await containersOf(docker, fleet)
      expect(before.map((c) => `${c.name}:${c.state}`)).toEqual([
        `${fleet}-web:running`,
        `${fleet}-worker:running`,
      ])
      const page = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) }).then((r) =>
        r.text(),
      )
      expect(page).toContain("fleetd test image v1")

      // In-process, through the real engine, counting every call the pass makes.
      const counted = await Effect.runPromise(
        Effect.gen(function* () {
          const { desired } = yield* loadManifest(file, { fleet: undefined, environment: {} }).pipe(
            Effect.provide(NodeFileSystem.layer),
          )
          const counter = yield* EngineCallCounter
          yield* reconcile(desired, { revision: "r", allowEmpty: false, concurrency: 4 })
          return yield* counter.snapshot
        }).pipe(
          Effect.provide(
            CountingEngine.layer.pipe(Layer.provideMerge(DockerEngine.layer({ endpoint: engine.host }))),
          ),
        ),
      )
      expect(counted.mutating).toBe(0)
      const second = await applied()
      expect(outcomes(second)).toEqual({ web: "unchanged", worker: "unchanged" })
      expect(await containersOf(docker, fleet)).toEqual(before)
    })

    it("replaces only the service whose environment changed, and then an image change", async () => {
      write({ a: { env: { LEVEL: "info" } }, b: {} })
      await applied()
      const before = await containersOf(docker, fleet)
      write({ a: { env: { LEVEL: "debug" } }, b: {} })
      const plan = await fleetd("plan")
      expect(plan.stdout).toContain(`~ a: replace ${fleet}-a: spec changed (environment.LEVEL), start-first`)
      expect(plan.stdout).not.toContain("debug")
      const result = await applied()
      expect(outcomes(result)).toEqual({ a: "replaced", b: "unchanged" })
      const after = await containersOf(docker, fleet)
      expect(after.map((c) => c.name)).toEqual([`${fleet}-a`, `${fleet}-b`])
      expect(after[0]?.id).not.toBe(before[0]?.id)
      expect(after[1]?.id).toBe(before[1]?.id)
      const env = (await docker.getContainer(`${fleet}-a`).inspect()).Config.Env
      expect(env).toContain("LEVEL=debug")

      write({ a: { env: { LEVEL: "debug" } }, b: { image: "fleetd-test/app:v2" } })
      expect(outcomes(await applied())).toEqual({ a: "unchanged", b: "replaced" })
      const v2 = await docker.getImage("fleetd-test/app:v2").inspect()
      expect((await containersOf(docker, fleet))[1]?.image).toBe(v2.Id)
    })

    it("removes a service that left the manifest, restarts one stopped by hand and recreates one removed by hand", async () => {
      write({ a: {}, b: {}, c: {} })
      await applied()
      await docker.getContainer(`${fleet}-a`).stop({ t: 0 })
      await docker.getContainer(`${fleet}-b`).remove({ force: true })
      write({ a: {}, b: {} })
      const result = await applied()
      expect(outcomes(result)).toEqual({ a: "started", b: "created", c: "removed" })
      expect((await containersOf(docker, fleet)).map((c) => `${c.name}:${c.state}`)).toEqual([
        `${fleet}-a:running`,
        `${fleet}-b:running`,
      ])
    })

    it("never touches another fleet's containers or unlabelled ones, and fails only the service whose name is taken", async () => {
      const other = uniqueFleet("other")
      try {
        const image = "fleetd-test/app:v1"
        const Cmd = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
        const squatter = await docker.createContainer({ name: `${fleet}-b`, Image: image, Cmd })
        await squatter.start()
        const stranger = await docker.createContainer({
          name: `${other}-a`,
          Image: image,
          Cmd,
          Labels: { [Labels.fleet]: other, [Labels.service]: "a" },
        })
        const unlabelled = await docker.createContainer({ name: `${other}-plain`, Image: image, Cmd })
        const snapshot = async () =>
          Promise.all(
            [squatter, stranger, unlabelled].map(async (c) => {
              const i = await c.inspect()
              return `${i.Name}:${i.State.Status}:${i.Image}:${i.Created}`
            }),
          )
        const before = await snapshot()
        // c asks for the name of the other fleet's container: names are per engine, not per fleet.
        write({ a: {}, b: {}, c: { extra: `    container_name: ${other}-a\n    command: ${idle}` } })
        const result = await fleetd("apply")
        expect(result.code).toBe(1)
        expect(result.stdout).toContain("+ a: created")
        expect(result.stdout).toContain(
          `✗ b: failed: the container name ${fleet}-b is taken by a container fleetd does not manage`,
        )
        expect(result.stdout).toContain(
          `✗ c: failed: the container name ${other}-a is taken by a container of fleet ${other}, which another fleetd source, project or process manages`,
        )
        write({})
        await fleetd("apply", "--allow-empty")
        expect(await snapshot()).toEqual(before)
      } finally {
        await cleanupFleet(engine, other)
      }
    })

    it("refuses an invalid manifest and an empty one without touching a container", async () => {
      write({ a: {} })
      await applied()
      const before = await containersOf(docker, fleet)
      writeFileSync(
        file,
        `name: ${fleet}\nservices:\n  a:\n    image: "UPPER/case"\n    no_such_field: true\n`,
      )
      const invalid = await fleetd("apply")
      expect(invalid.code).toBe(1)
      expect(invalid.stderr).toContain("fleet.yaml:4:12: services.a.image:")
      expect(invalid.stderr).toContain(
        "fleet.yaml:5:5: services.a.no_such_field: unknown or unsupported service field",
      )
      writeFileSync(file, `name: ${fleet}\nservices: {}\n`)
      const empty = await fleetd("apply")
      expect(empty.code).toBe(1)
      expect(empty.stderr).toContain("pass --allow-empty")
      expect(await containersOf(docker, fleet)).toEqual(before)
    })

    for (const when of ["as soon as the new container exists", "while the old container stops"] as const) {
      it(`converges after kill -9 of apply ${when}: no duplicate, no leftover`, async () => {
        // The old container ignores TERM, so stopping it takes its whole grace period.
        const stubborn = `    command: ["sh", "-c", "trap '' TERM; while true; do sleep 0.2; done"]`
        writeFileSync(
          file,
          `${manifest(fleet, { a: { extra: stubborn, env: { V: "1" } } })}\n`.replace(
            "stop_grace_period: 2s",
            "stop_grace_period: 5s",
          ),
        )
        await applied()
        writeFileSync(
          file,
          `${manifest(fleet, { a: { extra: stubborn, env: { V: "2" } } })}\n`.replace(
            "stop_grace_period: 2s",
            "stop_grace_period: 5s",
          ),
        )
        // The killed apply's lease expires after 3 s, which the next apply waits out.
        const child = startFleetd(["apply", "-f", file, "--lease-expiry", "3s"], { dockerHost: engine.host })
        const exited = new Promise((resolve) => child.once("exit", resolve))
        const deadline = Date.now() + 30_000
        for (;;) {
          const names = (await containersOf(docker, fleet)).map((c) => `${c.name}:${c.state}`)
          const nextExists = names.some((n) => n.startsWith(`${fleet}-a--next`))
          if (
            when === "as soon as the new container exists"
              ? nextExists
              : names.includes(`${fleet}-a--next:running`)
          )
            break
          if (Date.now() > deadline) throw new Error(`the replacement never started: ${names.join(", ")}`)
          await new Promise((r) => setTimeout(r, 20))
        }
        if (when === "while the old container stops") await new Promise((r) => setTimeout(r, 500))
        child.kill("SIGKILL")
        await exited
        const again = await fleetd("apply", "--json")
        expect(again.code, again.stderr).toBe(0)
        const after = await containersOf(docker, fleet)
        expect(after.map((c) => `${c.name}:${c.state}`)).toEqual([`${fleet}-a:running`])
        const env = (await docker.getContainer(`${fleet}-a`).inspect()).Config.Env
        expect(env).toContain("V=2")
        expect(outcomes(await applied())).toEqual({ a: "unchanged" })
      })
    }
  })
}
