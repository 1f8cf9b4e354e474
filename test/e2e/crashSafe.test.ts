import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { Labels } from "../../src/domain/labels.ts"
import { execIn } from "../support/execIn.ts"
import { applyJson, startFleetd } from "../support/runFleetd.ts"
import { leaseExpiry, type Order, type ReleaseKind, releaseManifest } from "../support/sigkillRun.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

/**
 * `fleetd apply` killed with SIGKILL at chosen points of a rollout (the releases of
 * test/support/sigkillRun.ts: a 3 s gate, post_deploy = an exec step then a one-shot
 * `run` step), then applied again: the rollout resumes from where the engine's names
 * say it stopped. bench/sigkillCampaign.ts kills at random moments, hundreds of times.
 */
interface Applied {
  readonly code: number
  readonly services: ReadonlyArray<{
    service: string
    outcome: string
    reason?: string
    hooks?: ReadonlyArray<{ phase: string; step: number; ok: boolean }>
  }>
}

type Listed = ReadonlyArray<{ name: string; state: string; hook: boolean }>

for (const engine of testEngines()) {
  describe(`a rollout killed with SIGKILL resumes on the next apply, on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let file = ""

    beforeEach(() => {
      fleet = uniqueFleet("crash")
      file = join(mkdtempSync(join(tmpdir(), "fleetd-crash-")), "fleet.yaml")
    })
    afterEach(() => cleanupFleet(engine, fleet))

    const list = async (): Promise<Listed> =>
      (await docker.listContainers({ all: true, filters: { label: [`${Labels.fleet}=${fleet}`] } }))
        .map((c) => ({
          name: c.Names[0]?.replace(/^\//, "") ?? "",
          state: c.State,
          hook: c.Labels[Labels.hook] !== undefined,
        }))
        .sort((a, b) => a.name.localeCompare(b.name))
    const apply = (n: number, kind: ReleaseKind, order: Order = "start-first"): Promise<Applied> =>
      applyJson(file, releaseManifest(fleet, n, kind, order), engine.host)
    const release = async (): Promise<string | undefined> =>
      (await docker.getContainer(`${fleet}-web`).inspect()).Config.Env.find((e) => e.startsWith("RELEASE="))

    /** Starts `fleetd apply` on release n and SIGKILLs it the moment `when` holds for the fleet's containers. */
    const killWhen = async (
      n: number,
      kind: ReleaseKind,
      order: Order,
      when: (containers: Listed, seen: Array<Listed>) => boolean,
    ) => {
      writeFileSync(file, releaseManifest(fleet, n, kind, order))
      // A short lease expiry: the next apply waits for the killed one's lease to expire.
      const child = startFleetd(["apply", "-f", file, "--lease-expiry", leaseExpiry], {
        dockerHost: engine.host,
      })
      let finished = false
      const exited = new Promise((resolve) =>
        child.once("exit", (code) => {
          finished = true
          resolve(code)
        }),
      )
      const seen: Array<Listed> = []
      const deadline = Date.now() + 30_000
      for (;;) {
        const now = await list()
        seen.push(now)
        if (when(now, seen)) break
        if (finished || Date.now() > deadline)
          throw new Error(
            `the kill point never came: ${seen.map((s) => s.map((c) => c.name).join(",")).join(" | ")}`,
          )
        await new Promise((r) => setTimeout(r, 20))
      }
      child.kill("SIGKILL")
      await exited
    }
    const named = (containers: Listed, suffix: string) =>
      containers.find((c) => c.name === `${fleet}-web${suffix}`)

    it("killed during the gate of a good release: the next apply gates it again and keeps it", async () => {
      expect((await apply(1, "good")).code).toBe(0)
      await killWhen(2, "good", "start-first", (c) => named(c, "--next")?.state === "running")
      const again = await apply(2, "good")
      expect(again.code).toBe(0)
      expect(again.services[0]).toMatchObject({ outcome: "replaced" })
      expect(again.services[0]?.reason).toMatch(/resumed an interrupted rollout \(gated again\)/)
      expect((await list()).map((c) => `${c.name}:${c.state}`)).toEqual([`${fleet}-web:running`])
      expect(await release()).toBe("RELEASE=2")
      expect(await execIn(docker, `${fleet}-web`, ["cat", "/tmp/post_deploy"])).toContain("2\n")
    })

    it("killed during the gate of a crash-looping release: the next apply fails it and rolls back", async () => {
      expect((await apply(1, "good")).code).toBe(0)
      // Stop-first: the old container is already stopped when the kill comes.
      await killWhen(2, "crashloop", "stop-first", (c) => named(c, "--next")?.state === "running")
      expect(named(await list(), "")?.state).toBe("exited")
      const again = await apply(2, "crashloop", "stop-first")
      expect(again.services[0]).toMatchObject({ outcome: "rolled-back" })
      expect(again.services[0]?.reason).toMatch(/web--next (exited|restarted)/)
      expect((await list()).map((c) => `${c.name}:${c.state}`)).toEqual([`${fleet}-web:running`])
      expect(await release()).toBe("RELEASE=1")
    })

    it("killed during post_deploy: the next apply runs the step that did not finish, not the one that did", async () => {
      expect((await apply(1, "good")).code).toBe(0)
      await killWhen(2, "good", "start-first", (c) => c.some((x) => x.hook && x.state === "running"))
      // The exec step finished and was recorded: the old container waits as --prev-1.
      expect((await list()).map((c) => c.name)).toContain(`${fleet}-web--prev-1`)
      const again = await apply(2, "good")
      expect(again.code).toBe(0)
      expect(again.services[0]?.reason).toMatch(/post_deploy from step 2/)
      expect(again.services[0]?.hooks?.map((h) => `${h.phase}[${h.step}]:${h.ok}`)).toEqual([
        "post_deploy[1]:true",
      ])
      expect((await list()).map((c) => `${c.name}:${c.state}`)).toEqual([`${fleet}-web:running`])
      expect(await release()).toBe("RELEASE=2")
      expect(await execIn(docker, `${fleet}-web`, ["cat", "/tmp/post_deploy"])).toMatch(/^[^\n]*2\n$/)
    })

    it("killed during a rollback: the next apply finishes it, the previous release serves", async () => {
      expect((await apply(1, "good")).code).toBe(0)
      // The failed post_deploy's rollback renames the new container back to --next first.
      await killWhen(
        2,
        "hookfail",
        "start-first",
        (c, seen) =>
          named(c, "--next") !== undefined &&
          seen.some((s) => s.some((x) => x.name.includes("--prev"))) &&
          seen.some((s) => s.some((x) => x.hook)),
      )
      const again = await apply(2, "hookfail")
      expect(again.services[0]).toMatchObject({ outcome: "rolled-back" })
      expect((await list()).map((c) => `${c.name}:${c.state}`)).toEqual([`${fleet}-web:running`])
      expect(await release()).toBe("RELEASE=1")
    })
  })
}
