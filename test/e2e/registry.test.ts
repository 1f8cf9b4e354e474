import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type Daemon, eventually, startDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"
import { imageId, pushImage, startRegistry, type TestRegistry } from "../support/testRegistry.ts"
import { SECRET } from "../support/webhookFixtures.ts"

/** A shell that exits on TERM: busybox `sleep` as PID 1 would ignore it. */
const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

const manifest = (fleet: string, image: string, extra: ReadonlyArray<string>) =>
  [
    `name: ${fleet}`,
    "services:",
    "  app:",
    `    image: ${image}`,
    `    command: ${idle}`,
    "    stop_grace_period: 2s",
    ...extra,
    "    x-fleetd:",
    "      update:",
    "        min_ready: 1s",
    "",
  ].join("\n")

interface Applied {
  readonly code: number | null
  readonly services: ReadonlyArray<{ service: string; outcome: string; reason?: string }>
  readonly resources: ReadonlyArray<{ kind: string; name: string; outcome: string; reason?: string }>
}

for (const engine of testEngines()) {
  describe(`images from a registry on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let dir = ""
    let registry: TestRegistry | undefined
    let daemon: Daemon | undefined
    let v1 = ""
    let v2 = ""

    beforeEach(async () => {
      fleet = uniqueFleet("reg")
      dir = mkdtempSync(join(tmpdir(), "fleetd-reg-"))
      registry = await startRegistry()
      v1 = await imageId(docker, "fleetd-test/app:v1")
      v2 = await imageId(docker, "fleetd-test/app:v2")
    })
    afterEach(async () => {
      if (daemon !== undefined && daemon.process.exitCode === null) await daemon.stop()
      daemon = undefined
      await cleanupFleet(engine, fleet)
      await registry?.remove()
      // The tags this test pushed, so the engine's image list does not grow run after run.
      // Tags only: Podman deletes the whole image for a `name@digest` (fleetd-test/app:v2 with it).
      for (const image of await docker.listImages())
        for (const tag of image.RepoTags ?? [])
          if (registry !== undefined && tag.startsWith(registry.host) && !tag.includes("@"))
            await docker
              .getImage(tag)
              .remove()
              .catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    })

    /** Pushes `source` under the tag, then points the local tag back at v1: only the registry knows. */
    const publish = async (tag: string, source: string) => {
      await pushImage(engine, docker, source, tag)
      const colon = tag.lastIndexOf(":")
      await docker
        .getImage("fleetd-test/app:v1")
        .tag({ repo: tag.slice(0, colon), tag: tag.slice(colon + 1) })
    }
    const apply = async (file: string): Promise<Applied> => {
      const result = await runFleetd(["apply", "--json", "-f", file], { dockerHost: engine.host })
      try {
        return { code: result.code, ...(JSON.parse(result.stdout) as Omit<Applied, "code">) }
      } catch {
        throw new Error(`apply printed no JSON (exit ${result.code}): ${result.stdout}${result.stderr}`)
      }
    }
    const container = async () => {
      const info = await docker.getContainer(`${fleet}-app`).inspect()
      return { id: info.Id, image: info.Image, running: info.State.Running }
    }

    /** A daemon on `dir` polling every `interval`, once its first container runs v1. */
    const daemonOnV1 = async (interval: string, port: number) => {
      const d = startDaemon(["--dir", dir, "--interval", interval, "--data-dir", join(dir, ".data")], {
        dockerHost: engine.host,
        port,
      })
      daemon = d
      await eventually("the first container", async () =>
        (await container().catch(() => undefined))?.image === v1 ? true : undefined,
      )
      return { d, first: await container() }
    }

    it("rolls out a re-pushed tag, and changes nothing while the registry is down", async () => {
      const tag = `${registry!.host}/fleetd/${fleet}:stable`
      await publish(tag, "fleetd-test/app:v1")
      const file = join(dir, "fleet.yaml")
      writeFileSync(file, `x-fleetd:\n  track: digest\n${manifest(fleet, tag, [])}`)

      const first = await apply(file)
      expect(first.code).toBe(0)
      expect(first.services).toMatchObject([{ service: "app", outcome: "created" }])
      const created = await container()
      expect(created.image).toBe(v1)

      // New content under the same tag; the local tag still names v1.
      await publish(tag, "fleetd-test/app:v2")
      const second = await apply(file)
      expect(second.code).toBe(0)
      expect(second.services).toMatchObject([
        { service: "app", outcome: "replaced", reason: "image changed" },
      ])
      const replaced = await container()
      expect(replaced.image).toBe(v2)
      expect((await apply(file)).services).toMatchObject([{ service: "app", outcome: "unchanged" }])

      await registry!.stop()
      const down = await apply(file)
      expect(down.code).toBe(1)
      expect(down.services).toMatchObject([{ service: "app", outcome: "failed" }])
      expect(down.services[0]?.reason).toMatch(/cannot check .* for a new digest: registry .* unreachable/)
      expect(down.resources).toMatchObject([{ kind: "image", name: tag, outcome: "failed" }])
      expect(await container()).toEqual({ ...replaced, running: true })
    }, 90_000)

    it("the daemon rolls out a re-pushed tag on its next poll, and keeps serving through an outage", async () => {
      const tag = `${registry!.host}/fleetd/${fleet}:stable`
      await publish(tag, "fleetd-test/app:v1")
      // Tracked per service this time (the first test uses the fleet-wide default).
      const yaml = manifest(fleet, tag, []).replace("    x-fleetd:\n", "    x-fleetd:\n      track: digest\n")
      writeFileSync(join(dir, "fleet.yaml"), yaml)
      const { d, first } = await daemonOnV1("2s", await freePort())

      await publish(tag, "fleetd-test/app:v2")
      await eventually(
        "the new digest rolled out",
        async () => ((await container().catch(() => undefined))?.image === v2 ? true : undefined),
        40_000,
      )
      const replaced = await container()
      expect(replaced.id).not.toBe(first.id)

      await registry!.stop()
      const status = await eventually(
        "the outage in /status",
        async () => {
          const s = await d.status()
          const app = s.services.find((x) => x.name === "app")
          return app?.lastError?.message.includes("unreachable") === true ? s : undefined
        },
        30_000,
      )
      expect(status.services.find((x) => x.name === "app")?.sync).toBe("Failed")
      expect(status.phase).toBe("Degraded")
      expect(await container()).toEqual({ ...replaced, running: true })
    }, 120_000)

    it("the daemon rolls out a re-pushed tag on the registry's notification, long before its poll", async () => {
      // A registry of this test's own, notifying the daemon's port.
      await registry!.remove()
      const port = await freePort()
      registry = await startRegistry({
        notify: { url: `http://127.0.0.1:${port}/hooks/registry`, token: SECRET },
      })
      const tag = `${registry.host}/fleetd/${fleet}:stable`
      const other = `${registry.host}/fleetd/${fleet}-other:stable`
      await publish(tag, "fleetd-test/app:v1")
      writeFileSync(join(dir, "fleet.yaml"), `x-fleetd:\n  track: digest\n${manifest(fleet, tag, [])}`)
      // An hour between polls: only the notification can explain a prompt rollout.
      const { d, first } = await daemonOnV1("1h", port)
      // The first push's notifications reached a daemon not yet listening, then were retried:
      // wait until they have all been answered, so what follows counts only the next ones.
      let answered = -1
      await eventually(
        "the first push's notifications answered",
        async () => {
          const now = await d.metric("fleetd_webhook_requests_total")
          const quiet = now > 0 && now === answered
          answered = now
          await new Promise((r) => setTimeout(r, 1500))
          return quiet ? true : undefined
        },
        30_000,
      )
      // An image no service tracks: answered, no pass.
      const passes = await d.metric("fleetd_reconcile_total")
      await pushImage(engine, docker, "fleetd-test/app:v2", other)
      await eventually("the untracked push answered", async () =>
        (await d.metric('fleetd_webhook_requests_total{provider="registry",outcome="ignored"}')) >= 1
          ? true
          : undefined,
      )
      expect(await d.metric("fleetd_reconcile_total")).toBe(passes)

      const pushed = Date.now()
      await publish(tag, "fleetd-test/app:v2")
      await eventually(
        "the new digest rolled out",
        async () => ((await container().catch(() => undefined))?.image === v2 ? true : undefined),
        30_000,
      )
      const replaced = await container()
      expect(replaced.id).not.toBe(first.id)
      // The 1 s health gate included; bench/RESULTS.md records the figure on a quiet machine.
      expect(Date.now() - pushed).toBeLessThan(20_000)
      expect(d.logs()).not.toContain(SECRET)
    }, 120_000)

    it("pull_policy every_1s pulls the tag again once the period has passed", async () => {
      const tag = `${registry!.host}/fleetd/${fleet}:rolling`
      await pushImage(engine, docker, "fleetd-test/app:v1", tag)
      writeFileSync(join(dir, "fleet.yaml"), manifest(fleet, tag, ["    pull_policy: every_1s"]))
      const port = await freePort()
      const d = startDaemon(["--dir", dir, "--interval", "2s", "--data-dir", join(dir, ".data")], {
        dockerHost: engine.host,
        port,
      })
      daemon = d
      await eventually("the first container", async () =>
        (await container().catch(() => undefined))?.image === v1 ? true : undefined,
      )
      // Pushed from v2 and the local tag moved back to v1: only a new pull brings v2.
      await pushImage(engine, docker, "fleetd-test/app:v2", tag)
      const colon = tag.lastIndexOf(":")
      await docker
        .getImage("fleetd-test/app:v1")
        .tag({ repo: tag.slice(0, colon), tag: tag.slice(colon + 1) })
      await eventually(
        "the re-pulled tag rolled out",
        async () => ((await container().catch(() => undefined))?.image === v2 ? true : undefined),
        40_000,
      )
    }, 120_000)
  })
}
