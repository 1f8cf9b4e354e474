import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type Daemon, eventually, startDaemon, stopDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { type GitRemote, makeGitRemote, tempDir } from "../support/gitRemote.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, runningEnv, testEngines, uniqueFleet } from "../support/testEngines.ts"

/**
 * Each start of `app` counts itself in /data/starts: a container that sees the data its
 * predecessors wrote leaves the count equal to the number of containers started.
 */
const counting = `["sh", "-c", "n=$(cat /data/starts 2>/dev/null || echo 0); echo $((n+1)) > /data/starts; trap 'exit 0' TERM; while true; do sleep 0.2; done"]`
const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

const manifest = (fleet: string, version: string) =>
  [
    `name: ${fleet}`,
    "services:",
    "  app:",
    "    image: fleetd-test/app:v1",
    `    command: ${counting}`,
    "    stop_grace_period: 2s",
    "    x-fleetd: { update: { min_ready: 0s } }",
    "    env_file: ./secrets/app.env",
    "    environment:",
    `      VERSION: "${version}"`,
    "    volumes: [./data:/data]",
    "  other:",
    "    image: fleetd-test/app:v1",
    `    command: ${idle}`,
    "    stop_grace_period: 2s",
    "    x-fleetd: { update: { min_ready: 0s } }",
    "",
  ].join("\n")

/** Generous deadlines: the engines are shared with other suites on a 2-core machine. */
const patience = 60_000
const long = 300_000

/** The secret value is never printed by fleetd, whatever happens. */
const SECRET_VALUE = "s3cr3t-from-the-host"

for (const engine of testEngines()) {
  describe(`files kept on the host (--local-files) on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let scope: Scope.Closeable
    let remote: GitRemote
    let local = ""
    let dataDir = ""
    let daemon: Daemon | undefined

    const idOf = async (service: string) => (await docker.getContainer(`${fleet}-${service}`).inspect()).Id
    const envOf = (service: string) => runningEnv(docker, `${fleet}-${service}`)
    const appHas = (entry: string) =>
      eventually(
        `${fleet}-app with ${entry}`,
        async () => ((await envOf("app"))?.includes(entry) ? true : undefined),
        patience,
      )
    const starts = () => join(dataDir, "binds", fleet, "data", "starts")
    const startsAre = (n: number) =>
      eventually(
        `${n} starts recorded in the data directory`,
        async () =>
          existsSync(starts()) && readFileSync(starts(), "utf8").trim() === String(n) ? true : undefined,
        patience,
      )

    const run = async (interval: string) => {
      const port = await freePort()
      daemon = startDaemon(
        ["--repo", remote.url, "--interval", interval, "--data-dir", dataDir, "--local-files", local],
        { dockerHost: engine.host, port },
      )
      return daemon
    }

    beforeEach(async () => {
      fleet = uniqueFleet("local")
      scope = Effect.runSync(Scope.make())
      remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
      const root = await Effect.runPromise(tempDir("local").pipe(Scope.provide(scope)))
      local = join(root, "local")
      dataDir = join(root, "data")
      mkdirSync(join(local, "secrets"), { recursive: true })
      writeFileSync(join(local, "secrets/app.env"), `TOKEN=${SECRET_VALUE}-1\n`)
    })
    afterEach(async () => {
      const logs = await stopDaemon(daemon)
      daemon = undefined
      await cleanupFleet(engine, fleet)
      await Effect.runPromise(Scope.close(scope, Exit.void))
      expect(logs).not.toContain(SECRET_VALUE)
    })

    it(
      "fleetd apply -f reads an env_file from FLEETD_LOCAL_FILES and binds ./data where Compose would",
      async () => {
        const file = join(remote.work, "fleet.yaml")
        writeFileSync(file, manifest(fleet, "1"))
        const result = await runFleetd(["apply", "-f", file], {
          dockerHost: engine.host,
          env: { FLEETD_LOCAL_FILES: local },
        })
        expect(result.stderr).not.toContain(SECRET_VALUE)
        expect(result.stdout).not.toContain(SECRET_VALUE)
        expect(result.code).toBe(0)
        expect(await envOf("app")).toContain(`TOKEN=${SECRET_VALUE}-1`)
        // No checkout of fleetd's own: ./data is the directory beside the manifest, as in Compose.
        await eventually(
          "the start counted beside the manifest",
          async () => (existsSync(join(remote.work, "data/starts")) ? true : undefined),
          patience,
        )
      },
      long,
    )

    it(
      "fleetd run --repo: a changed host file replaces only its service; data survives new revisions, a force-push and the checkout's clean",
      async () => {
        remote.commit({ "fleet.yaml": manifest(fleet, "1"), ".gitignore": "secrets/\ndata/\n" })
        remote.push()
        const d = await run("1h")
        await appHas(`TOKEN=${SECRET_VALUE}-1`)
        await startsAre(1)
        const checkout = join(dataDir, "checkout", "remote")
        expect(existsSync(join(checkout, "data"))).toBe(false)
        // A first deployment takes its name once it started (or, gated, once it passed).
        const other = await eventually(
          `${fleet}-other created`,
          () => idOf("other").catch(() => undefined),
          patience,
        )

        // The host file changes: the watcher asks for a pass, which replaces app alone.
        await new Promise((r) => setTimeout(r, 1100)) // passes are at least 1 s apart
        const edited = Date.now()
        writeFileSync(join(local, "secrets/app.env"), `TOKEN=${SECRET_VALUE}-2\n`)
        await appHas(`TOKEN=${SECRET_VALUE}-2`)
        console.log(`${engine.kind}: host file edit → container running in ${Date.now() - edited} ms`)
        expect((await d.status()).lastPass?.triggers).toEqual(["file"]) // the watcher, not a poll
        expect(await idOf("other")).toBe(other)
        await startsAre(2)

        // A new revision.
        remote.commit({ "fleet.yaml": manifest(fleet, "2") })
        remote.push()
        expect(await d.webhook("github")).toBe(202)
        await appHas("VERSION=2")
        await startsAre(3)

        // Debris in the checkout (what git clean removes), then a force-push.
        mkdirSync(join(checkout, "data"), { recursive: true })
        writeFileSync(join(checkout, "data/starts"), "debris\n")
        remote.git("reset", "--hard", "HEAD~1")
        const rewritten = remote.commit({ "fleet.yaml": manifest(fleet, "rewritten") })
        remote.push({ force: true })
        expect(await d.webhook("github")).toBe(202)
        await appHas("VERSION=rewritten")
        await startsAre(4)
        // The new container holds the name before the old one (--prev) is removed and the pass ends.
        await eventually(`revision ${rewritten} applied`, async () =>
          (await d.status()).lastAppliedRevision === rewritten ? true : undefined,
        )
        expect(existsSync(join(checkout, "data"))).toBe(false)
        expect(await idOf("other")).toBe(other)
        // The container sees the data that survived all three.
        const mounts = (await docker.getContainer(`${fleet}-app`).inspect()).Mounts
        expect(mounts).toMatchObject([
          { Source: join(dataDir, "binds", fleet, "data"), Destination: "/data" },
        ])
      },
      long,
    )

    it(
      "fleetd run --repo stalls on a host file found nowhere, naming both places, and converges once it appears",
      async () => {
        remote.commit({
          "fleet.yaml": manifest(fleet, "1").replace("./secrets/app.env", "./secrets/late.env"),
        })
        remote.push()
        const d = await run("2s")
        const stalled = await eventually(
          "the stalled status",
          async () => {
            const s = await d.status()
            return s.phase === "Stalled" ? s : undefined
          },
          patience,
        )
        expect(stalled.stalled?.issues).toEqual([
          `fleet.yaml:8:15: services.app.env_file: env_file secrets/late.env is neither in the repository (${join(dataDir, "checkout/remote/secrets/late.env")}) nor in --local-files (${join(local, "secrets/late.env")}) (add it to one of them (files git must not hold belong in --local-files))`,
        ])
        writeFileSync(join(local, "secrets/late.env"), `TOKEN=${SECRET_VALUE}-late\n`)
        await appHas(`TOKEN=${SECRET_VALUE}-late`)
      },
      long,
    )

    it(
      "fleetd run --dir watches the host files: an edit in --local-files replaces only its service",
      async () => {
        writeFileSync(join(remote.work, "fleet.yaml"), manifest(fleet, "1"))
        const port = await freePort()
        daemon = startDaemon(
          ["--dir", remote.work, "--interval", "1h", "--data-dir", dataDir, "--local-files", local],
          { dockerHost: engine.host, port },
        )
        await appHas(`TOKEN=${SECRET_VALUE}-1`)
        // A first deployment takes its name once it started (or, gated, once it passed).
        const other = await eventually(
          `${fleet}-other created`,
          () => idOf("other").catch(() => undefined),
          patience,
        )
        await new Promise((r) => setTimeout(r, 1100)) // passes are at least 1 s apart
        writeFileSync(join(local, "secrets/app.env"), `TOKEN=${SECRET_VALUE}-2\n`)
        await appHas(`TOKEN=${SECRET_VALUE}-2`)
        expect((await daemon.status()).lastPass?.triggers).toEqual(["file"])
        expect(await idOf("other")).toBe(other)
        // No checkout of fleetd's own: ./data is the directory itself, as in Compose.
        expect(existsSync(join(remote.work, "data/starts"))).toBe(true)
      },
      long,
    )
  })
}
