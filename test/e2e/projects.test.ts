/**
 * A repository in the per-directory layout (one directory per application, each with
 * its own compose file under a different one of Compose's names and its own `.env`),
 * run with `--projects` by `fleetd apply` and by the daemon, on Docker and Podman.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { ProjectStatus } from "../../src/domain/FleetStatus.ts"
import { Labels } from "../../src/domain/labels.ts"
import { type Daemon, eventually, startDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { type GitRemote, makeGitRemote } from "../support/gitRemote.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

const service = (extra = "") =>
  `services:\n  app:\n    image: fleetd-test/app:v1\n    command: ${idle}\n    stop_grace_period: 3s\n    environment:\n      VERSION: \${VERSION}\n    x-fleetd:\n      update:\n        min_ready: 300ms\n${extra}`

/** Six projects, each under another of Compose's file names, each with its own `.env`. */
const layout = (run: string): Record<string, string> => ({
  [`services/${run}-web/compose.yaml`]: service("    volumes:\n      - ./config/app.conf:/etc/app.conf:ro\n"),
  [`services/${run}-web/config/app.conf`]: "greeting = hello\n",
  [`services/${run}-web/.env`]: "VERSION=web-1\n",
  [`services/${run}-db/docker-compose.yml`]: `name: ${run}-database\n${service()}`,
  [`services/${run}-db/.env`]: "VERSION=db-1\n",
  [`services/${run}-cache/docker-compose.yaml`]: service(),
  [`services/${run}-cache/.env`]: "VERSION=cache-1\n",
  [`services/${run}-queue/podman-compose.yml`]: service(),
  [`services/${run}-queue/.env`]: "VERSION=queue-1\n",
  [`services/${run}-worker/compose.yml`]: service(),
  [`services/${run}-worker/.env`]: "VERSION=worker-1\n",
  [`services/${run}-admin/fleet.yaml`]: service(),
  [`services/${run}-admin/.env`]: "VERSION=admin-1\n",
  // Not projects: no compose file, or excluded.
  [`services/${run}-docs/README.md`]: "notes\n",
  [`services/${run}-attic/compose.yaml`]: service(),
  [`services/${run}-attic/.env`]: "VERSION=attic-1\n",
})

const fleetsOf = (run: string) =>
  ["web", "database", "cache", "queue", "worker", "admin"].map((p) => `${run}-${p}`)
const globs = (run: string) => ["--projects", "services/*", "--projects", `!services/${run}-attic`]

for (const engine of testEngines()) {
  describe(`--projects on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let run = ""

    /** Container id and VERSION of every container of this run, by name. */
    const containers = async () => {
      const listed = await docker.listContainers({ all: true, filters: { label: [Labels.fleet] } })
      const mine = listed.filter((c) => c.Names[0]?.startsWith(`/${run}-`))
      return Object.fromEntries(mine.map((c) => [c.Names[0]?.slice(1) ?? "", c.Id]))
    }
    const versionOf = async (name: string) =>
      (await docker.getContainer(name).inspect()).Config.Env.find((e) => e.startsWith("VERSION="))

    beforeEach(() => {
      run = uniqueFleet("pj")
    })
    afterEach(async () => {
      for (const fleet of [...fleetsOf(run), `${run}-attic`, run]) await cleanupFleet(engine, fleet)
    })

    it("apply: converges six projects, replaces only the one whose file changed, stalls an invalid one alone, orphans then prunes a removed one", async () => {
      const root = mkdtempSync(join(tmpdir(), "fleetd-projects-"))
      const write = (files: Record<string, string | null>) => {
        for (const [path, text] of Object.entries(files)) {
          if (text === null) rmSync(join(root, path), { recursive: true, force: true })
          else {
            mkdirSync(dirname(join(root, path)), { recursive: true })
            writeFileSync(join(root, path), text)
          }
        }
      }
      const apply = async (...extra: Array<string>) => {
        const r = await runFleetd(["apply", "--json", ...globs(run), ...extra], {
          dockerHost: engine.host,
          cwd: root,
        })
        return { code: r.code, out: JSON.parse(r.stdout) as ApplyOutput, stderr: r.stderr }
      }
      try {
        write(layout(run))
        const first = await apply()
        expect(first.code, first.stderr).toBe(0)
        expect(first.out.projects.map((p) => p.fleet).sort()).toEqual([...fleetsOf(run)].sort())
        const before = await containers()
        expect(Object.keys(before).sort()).toEqual(
          fleetsOf(run)
            .map((f) => `${f}-app`)
            .sort(),
        )
        // Each project read its own .env.
        expect(await versionOf(`${run}-database-app`)).toBe("VERSION=db-1")
        expect(await versionOf(`${run}-queue-app`)).toBe("VERSION=queue-1")

        // One project's bind-mounted config changes: only its container is replaced.
        write({ [`services/${run}-web/config/app.conf`]: "greeting = bonjour\n" })
        const second = await apply()
        expect(second.code, second.stderr).toBe(0)
        const after = await containers()
        for (const [name, id] of Object.entries(before)) {
          if (name === `${run}-web-app`) expect(after[name]).not.toBe(id)
          else expect(after[name], name).toBe(id)
        }

        // An invalid project stalls alone, with its position; the others still converge.
        write({
          [`services/${run}-cache/docker-compose.yaml`]: `${service()}    no_such_field: 1\n`,
          [`services/${run}-worker/.env`]: "VERSION=worker-2\n",
        })
        const third = await apply()
        expect(third.code).toBe(1)
        const cache = third.out.projects.find((p) => p.fleet === `${run}-cache`)
        expect(cache?.ok).toBe(false)
        expect(cache?.issues?.[0]).toMatchObject({ line: 11, column: 5, path: "services.app.no_such_field" })
        expect(third.out.projects.find((p) => p.fleet === `${run}-worker`)?.ok).toBe(true)
        expect(await versionOf(`${run}-worker-app`)).toBe("VERSION=worker-2")
        const later = await containers()
        expect(later[`${run}-cache-app`]).toBe(before[`${run}-cache-app`])
        expect(later[`${run}-database-app`]).toBe(before[`${run}-database-app`])

        // A removed directory: orphaned (reported, left running), then pruned on request.
        write({ [`services/${run}-queue`]: null, [`services/${run}-cache/docker-compose.yaml`]: service() })
        const plan = await runFleetd(["plan", ...globs(run)], { dockerHost: engine.host, cwd: root })
        expect(plan.stderr).toContain(`orphaned project ${run}-queue: its directory services/${run}-queue`)
        const fourth = await apply()
        expect(fourth.code, fourth.stderr).toBe(0)
        expect(fourth.out.orphaned).toMatchObject([
          {
            fleet: `${run}-queue`,
            dir: `services/${run}-queue`,
            containers: [`${run}-queue-app`],
            pruned: false,
          },
        ])
        expect((await containers())[`${run}-queue-app`]).toBeDefined()
        const fifth = await apply("--prune-projects")
        expect(fifth.code, fifth.stderr).toBe(0)
        expect(fifth.out.orphaned).toMatchObject([{ fleet: `${run}-queue`, pruned: true }])
        const final = await containers()
        expect(final[`${run}-queue-app`]).toBeUndefined()
        expect(Object.keys(final)).toHaveLength(5)
        expect(final[`${run}-admin-app`]).toBe(before[`${run}-admin-app`])
      } finally {
        rmSync(root, { recursive: true, force: true })
      }
    }, 480_000)

    describe("the daemon", () => {
      let scope: Scope.Closeable
      let remote: GitRemote
      let daemon: Daemon | undefined

      beforeEach(async () => {
        scope = Effect.runSync(Scope.make())
        remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
        remote.commit(layout(run))
        remote.push()
      })
      afterEach(async () => {
        if (daemon && daemon.process.exitCode === null) await daemon.stop()
        daemon = undefined
        await Effect.runPromise(Scope.close(scope, Exit.void))
      })

      const start = async (...extra: Array<string>) => {
        const port = await freePort()
        const d = startDaemon(
          [
            "--repo",
            remote.url,
            "--interval",
            "1h",
            "--data-dir",
            `${remote.work}/../data`,
            ...globs(run),
            ...extra,
          ],
          { dockerHost: engine.host, port },
        )
        daemon = d
        return d
      }
      const projectsWhen = (d: Daemon, what: string, done: (p: ReadonlyArray<ProjectStatus>) => boolean) =>
        eventually(
          what,
          async () => {
            const s = await d.status()
            return s.lastPass?.finishedAt !== undefined && s.projects !== undefined && done(s.projects)
              ? s
              : undefined
          },
          60_000,
        )
      const push = async (d: Daemon, files: Record<string, string | null>) => {
        const sha = remote.commit(files)
        remote.push()
        expect(await d.webhook("github")).toBe(202)
        return sha
      }

      it("converges every project, replaces only what a commit touched, stalls an invalid project alone, reports then prunes an orphan", async () => {
        const d = await start()
        const synced = await projectsWhen(
          d,
          "six synced projects",
          (ps) => ps.length === 6 && ps.every((p) => p.phase === "Synced"),
        )
        expect(synced.phase).toBe("Synced")
        expect(synced.projects?.map((p) => p.fleet).sort()).toEqual([...fleetsOf(run)].sort())
        const before = await containers()
        expect(Object.keys(before)).toHaveLength(6)
        // Metrics are labelled by source (`default` without a config file) and fleet.
        const metrics = await (await fetch(`${d.base}/metrics`)).text()
        expect(metrics).toContain(
          `fleetd_service_sync_status{source="default",fleet="${run}-web",service="app",status="Synced"} 1`,
        )

        // A commit editing one project's bind-mounted config replaces only that container.
        const edit = await push(d, { [`services/${run}-web/config/app.conf`]: "greeting = bonjour\n" })
        await projectsWhen(d, "web replaced", (ps) =>
          ps.every((p) => p.phase === "Synced" && p.lastAppliedRevision === edit),
        )
        const after = await containers()
        for (const [name, id] of Object.entries(before)) {
          if (name === `${run}-web-app`) expect(after[name]).not.toBe(id)
          else expect(after[name], name).toBe(id)
        }

        // An invalid project stalls alone; another project's change in the same commit applies.
        const bad = await push(d, {
          [`services/${run}-cache/docker-compose.yaml`]: `${service()}    no_such_field: 1\n`,
          [`services/${run}-worker/.env`]: "VERSION=worker-2\n",
        })
        const stalled = await projectsWhen(d, "cache stalled", (ps) =>
          ps.some((p) => p.fleet === `${run}-cache` && p.phase === "Stalled" && p.stalled?.revision === bad),
        )
        const cache = stalled.projects?.find((p) => p.fleet === `${run}-cache`)
        expect(cache?.stalled?.issues[0]).toMatch(
          new RegExp(`^services/${run}-cache/docker-compose\\.yaml:11:5: services\\.app\\.no_such_field: `),
        )
        expect(stalled.projects?.filter((p) => p.phase === "Synced")).toHaveLength(5)
        expect(stalled.phase).toBe("Degraded")
        expect(await versionOf(`${run}-worker-app`)).toBe("VERSION=worker-2")
        expect(await d.metric("fleetd_stalled")).toBe(1)
        const later = await containers()
        expect(later[`${run}-cache-app`]).toBe(before[`${run}-cache-app`])
        expect(later[`${run}-admin-app`]).toBe(before[`${run}-admin-app`])

        // A removed project directory is orphaned: reported, left running.
        const removed = await push(d, {
          [`services/${run}-queue/podman-compose.yml`]: null,
          [`services/${run}-queue/.env`]: null,
          [`services/${run}-cache/docker-compose.yaml`]: service(),
        })
        const orphaned = await eventually(
          "queue orphaned",
          async () => {
            const s = await d.status()
            return s.lastPass?.revision === removed &&
              s.lastPass.finishedAt !== undefined &&
              s.orphaned?.length
              ? s
              : undefined
          },
          60_000,
        )
        expect(orphaned.orphaned).toEqual([
          {
            fleet: `${run}-queue`,
            dir: `services/${run}-queue`,
            containers: [`${run}-queue-app`],
            pruned: false,
          },
        ])
        expect(orphaned.phase).toBe("Synced")
        expect((await containers())[`${run}-queue-app`]).toBe(before[`${run}-queue-app`])

        // With --prune-projects it goes; nothing else changes.
        await d.stop()
        const pruning = await start("--prune-projects")
        await eventually(
          "queue pruned",
          async () => ((await pruning.status()).orphaned?.[0]?.pruned === true ? true : undefined),
          60_000,
        )
        const final = await containers()
        expect(final[`${run}-queue-app`]).toBeUndefined()
        expect(final[`${run}-admin-app`]).toBe(before[`${run}-admin-app`])
        expect(Object.keys(final)).toHaveLength(5)
      }, 480_000)

      it("reads a project's git-ignored env file from --local-files, and an edit there replaces only its service", async () => {
        const local = mkdtempSync(join(tmpdir(), "fleetd-projects-local-"))
        const hostFile = join(local, "secrets", `${run}-db.env`)
        mkdirSync(dirname(hostFile), { recursive: true })
        writeFileSync(hostFile, "SECRET_TOKEN=first-value\n")
        // The db project refers to a file git does not hold: it lives on the host only.
        remote.commit({
          [`services/${run}-db/docker-compose.yml`]: `name: ${run}-database\n${service(`    env_file: ../../secrets/${run}-db.env\n`)}`,
        })
        remote.push()
        const tokenOf = async (name: string) =>
          (await docker.getContainer(name).inspect()).Config.Env.find((e) => e.startsWith("SECRET_TOKEN="))

        const d = await start("--local-files", local)
        await projectsWhen(
          d,
          "six synced projects",
          (ps) => ps.length === 6 && ps.every((p) => p.phase === "Synced"),
        )
        const before = await containers()
        expect(Object.keys(before)).toHaveLength(6)
        expect(await tokenOf(`${run}-database-app`)).toBe("SECRET_TOKEN=first-value")

        // Edited on the host, not in git: the watcher asks for a pass, which replaces db alone.
        writeFileSync(hostFile, "SECRET_TOKEN=second-value\n")
        await eventually(
          "db replaced with the new host-side value",
          async () =>
            (await tokenOf(`${run}-database-app`).catch(() => undefined)) === "SECRET_TOKEN=second-value"
              ? true
              : undefined,
          120_000,
        )
        await projectsWhen(d, "all synced again", (ps) => ps.every((p) => p.phase === "Synced"))
        const after = await containers()
        for (const [name, id] of Object.entries(before)) {
          if (name === `${run}-database-app`) expect(after[name]).not.toBe(id)
          else expect(after[name], name).toBe(id)
        }
        const logs = d.logs()
        expect(logs).not.toContain("first-value")
        expect(logs).not.toContain("second-value")
        rmSync(local, { recursive: true, force: true })
      }, 480_000)
    })
  })
}

interface ApplyOutput {
  readonly ok: boolean
  readonly projects: ReadonlyArray<{
    readonly fleet: string
    readonly ok: boolean
    readonly issues?: ReadonlyArray<{ line: number; column: number; path: string }>
  }>
  readonly orphaned: ReadonlyArray<{
    fleet: string
    dir: string
    containers: ReadonlyArray<string>
    pruned: boolean
  }>
}
