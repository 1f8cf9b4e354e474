import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { FleetStatus } from "../../src/domain/FleetStatus.ts"
import { eventually } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { makeGitRemote, tempDir } from "../support/gitRemote.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, type TestEngine, uniqueFleet } from "../support/testEngines.ts"

/**
 * Self-update on the private Docker engine (docs/self-update.md): fleetd runs from the
 * image the suite builds (test/support/fleetd-image.sh), follows a git repository whose
 * fleet.yaml holds fleetd's own service (x-fleetd.self) and one ordinary service, and
 * updates itself from it: a new image takes over through a standby (the ordinary
 * service untouched, a commit pushed during the handover applied by the new fleetd),
 * then an image that works as a standby but never as the daemon is refused: the old
 * fleetd comes back, reports RolledBack with the log, and does not try it again.
 */
const dockerHost = process.env["FLEETD_TEST_DOCKER_HOST"]
const baseImage = process.env["FLEETD_IMAGE_REF"] ?? "fleetd-test/fleetd:e2e"
const repo = join(import.meta.dirname, "../..")
const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`
const secret = "self-update-test-secret"

/** The image's own healthcheck, run every second (its 30 s interval would make every gate wait). */
const healthcheck = `["CMD", "node", "-e", "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]`

describe.skipIf(dockerHost === undefined)("fleetd updates itself on docker", () => {
  const engine: TestEngine = { kind: "docker", host: dockerHost ?? "" }
  const docker = rawClient(engine)
  const socket = engine.host.replace(/^unix:\/\//, "")
  const fleet = uniqueFleet("self")
  const v2 = `fleetd-test/fleetd:${fleet}-v2`
  const broken = `fleetd-test/fleetd:${fleet}-broken`
  const scope = Effect.runSync(Scope.make())
  const cli = (...args: Array<string>) =>
    execFileSync("docker", args, { env: { ...process.env, DOCKER_HOST: engine.host, DOCKER_BUILDKIT: "0" } })

  /** An image FROM the suite's fleetd image with one more layer (and, for `broken`, an entrypoint). */
  const derive = (tag: string, dockerfile: string) => {
    const context = mkdtempSync(join(tmpdir(), "fleetd-self-"))
    writeFileSync(join(context, "variant"), `${tag}\n`)
    writeFileSync(
      join(context, "Dockerfile"),
      `FROM ${baseImage}\nCOPY variant /etc/fleetd-variant\n${dockerfile}`,
    )
    try {
      cli("build", "-q", "-t", tag, context)
    } finally {
      rmSync(context, { recursive: true, force: true })
    }
  }

  beforeAll(() => {
    execFileSync("bash", [join(repo, "test/support/fleetd-image.sh"), "build"], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, FLEETD_IMAGE_REF: baseImage },
      timeout: 15 * 60_000,
    })
    derive(v2, "")
    // Starts as a standby (so the handover commits), exits 1 as the daemon: the worst case.
    derive(
      broken,
      `ENTRYPOINT ["sh", "-c", "if [ -n \\"$FLEETD_STANDBY\\" ]; then exec node dist/fleetd.js \\"$@\\"; fi; echo 'broken fleetd: refusing to start' >&2; exit 1", "--"]\n`,
    )
  }, 16 * 60_000)
  afterAll(async () => {
    await cleanupFleet(engine, fleet)
    for (const tag of [v2, broken])
      await docker
        .getImage(tag)
        .remove()
        .catch(() => undefined)
    await Effect.runPromise(Scope.close(scope, Exit.void))
  })

  it("hands over to a new image, applies a push made during the handover, and refuses a broken image", async () => {
    const remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
    const etc = await Effect.runPromise(tempDir("self-policy").pipe(Scope.provide(scope)))
    const policy = join(etc, "policy.yaml")
    writeFileSync(
      policy,
      `allow:\n  engine_socket: true\n  bind_mounts: [${socket}, ${remote.bare}, ${etc}]\n`,
    )
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const manifest = (image: string, extra = "") =>
      [
        `name: ${fleet}`,
        "services:",
        "  fleetd:",
        `    image: ${image}`,
        `    command: ["run", "--repo", "file:///repo", "--branch", "main", "--interval", "1h", "--policy", "/etc/fleetd/policy.yaml"]`,
        "    environment:",
        "      FLEETD_LISTEN: 0.0.0.0:8080",
        `      FLEETD_WEBHOOK_SECRET_GENERIC: ${secret}`,
        `    ports: ["127.0.0.1:${port}:8080"]`,
        "    volumes:",
        `      - ${socket}:/var/run/docker.sock`,
        "      - data:/data",
        `      - ${remote.bare}:/repo:ro`,
        `      - ${policy}:/etc/fleetd/policy.yaml:ro`,
        "    restart: unless-stopped",
        "    stop_grace_period: 5s",
        "    healthcheck:",
        `      test: ${healthcheck}`,
        "      interval: 1s",
        "      timeout: 5s",
        "    x-fleetd:",
        "      self: true",
        "      update: { health_timeout: 60s }",
        "  app:",
        "    image: fleetd-test/app:v1",
        `    command: ${idle}`,
        "    stop_grace_period: 3s",
        extra,
        // Fast gates for the ordinary services: what this test times is fleetd's own handover.
        "x-fleetd:",
        "  update: { min_ready: 1s }",
        "volumes:",
        "  data: {}",
        "",
      ].join("\n")
    const marker = [
      "  marker:",
      "    image: fleetd-test/app:v1",
      `    command: ${idle}`,
      "    stop_grace_period: 3s",
    ].join("\n")
    const status = async (): Promise<FleetStatus | undefined> => {
      try {
        return (await (
          await fetch(`${base}/status`, { signal: AbortSignal.timeout(2000) })
        ).json()) as FleetStatus
      } catch {
        return undefined
      }
    }
    const inspect = (name: string) => docker.getContainer(`${fleet}-${name}`).inspect()
    const webhook = () =>
      fetch(`${base}/hooks/generic`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}` },
        signal: AbortSignal.timeout(2000),
      }).then(
        (r) => r.status,
        () => 0,
      )
    const fleetdLogs = async () =>
      (
        await docker
          .getContainer(`${fleet}-fleetd`)
          .logs({ stdout: true, stderr: true, tail: 30, follow: false })
      )
        .toString()
        .slice(-4000)

    // 1. Bootstrap: one `fleetd apply` from the repository creates fleetd's own container.
    const first = remote.commit({ "fleet.yaml": manifest(baseImage) })
    remote.push()
    const applied = await runFleetd(["apply", "-f", join(remote.work, "fleet.yaml"), "--policy", policy], {
      dockerHost: engine.host,
    })
    expect(applied.code, applied.stderr + applied.stdout).toBe(0)
    const before = await inspect("fleetd")
    const app = await inspect("app")
    // Its first pass may have raced the apply that created it: a webhook asks for one more.
    await eventually(
      "the fleetd container answering",
      async () => ((await webhook()) === 202 ? true : undefined),
      60_000,
    )
    await eventually(
      "the fleetd container synced",
      async () => {
        const s = await status()
        return s?.phase === "Synced" && s.lastAppliedRevision === first ? s : undefined
      },
      60_000,
    ).catch(async (e) => {
      console.error(await fleetdLogs())
      throw e
    })

    // 2. The repository bumps fleetd's own image: a standby takes over. Meanwhile the host
    // port is asked every 50 ms: the longest stretch without an answer is the listener gap.
    let answeredAt = Date.now()
    let listenerGap = 0
    let polling = true
    const poller = (async () => {
      while (polling) {
        const ok = await fetch(`${base}/health`, { signal: AbortSignal.timeout(1000) }).then(
          (r) => r.status < 500,
          () => false,
        )
        const now = Date.now()
        if (ok) {
          listenerGap = Math.max(listenerGap, now - answeredAt)
          answeredAt = now
        }
        await new Promise((r) => setTimeout(r, 50))
      }
    })()
    remote.commit({ "fleet.yaml": manifest(v2) })
    remote.push()
    expect(await webhook()).toBe(202)
    await eventually(
      "the handover committed (old container renamed --prev)",
      async () =>
        (await docker.listContainers({ all: true })).some((c) => c.Names.includes(`/${fleet}-fleetd--prev`))
          ? true
          : undefined,
      90_000,
    )
    // A push while the old one stops and the new one starts: its webhook may find no one.
    const during = remote.commit({ "fleet.yaml": manifest(v2, marker) })
    remote.push()
    await webhook()
    const stoppedAt = await eventually(
      "the old fleetd stopped by the standby",
      async () => {
        const state = (await docker.getContainer(before.Id).inspect()).State
        return state.Running ? undefined : Date.parse(state.FinishedAt)
      },
      60_000,
    )
    const readyAt = await eventually(
      "the new fleetd ready",
      async () => {
        const ready = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(1000) }).then(
          (r) => r.status === 200,
          () => false,
        )
        return ready ? Date.now() : undefined
      },
      120_000,
    )
    const after = await eventually(
      "the new fleetd synced with the push made during the handover",
      async () => {
        const s = await status()
        return s?.lastAppliedRevision === during && s.phase === "Synced" ? s : undefined
      },
      60_000,
    )
    polling = false
    await poller
    console.log(
      `self-update: old fleetd stopped → new fleetd ready (first pass done, the push made during the handover applied) in ${readyAt - stoppedAt} ms; longest stretch without an HTTP answer on the host port ${listenerGap} ms`,
    )
    const updated = await inspect("fleetd")
    expect(updated.Id).not.toBe(before.Id)
    expect(updated.Config.Image).toBe(v2)
    expect(updated.HostConfig.PortBindings?.["8080/tcp"]).toEqual([
      { HostIp: "127.0.0.1", HostPort: String(port) },
    ])
    expect((await inspect("app")).Id).toBe(app.Id)
    expect((await inspect("marker")).State.Running).toBe(true)
    expect(after.services.find((s) => s.name === "fleetd")).toMatchObject({ sync: "Synced" })
    // Nothing of the handover is left: no standby, no --prev, no --next.
    await eventually(
      "the standby and the old container removed",
      async () => {
        const names = (await docker.listContainers({ all: true })).flatMap((c) => c.Names)
        return names.some((n) => n.startsWith(`/${fleet}-fleetd--`)) ? undefined : true
      },
      30_000,
    )

    // 3. A broken fleetd image: it runs as a standby, then fails as the daemon. The
    // standby is killed (SIGKILL, as a crash would) as soon as the handover commits: its
    // restart policy brings it back and it goes on from the containers' names.
    const bad = remote.commit({ "fleet.yaml": manifest(broken, marker) })
    remote.push()
    expect(await webhook()).toBe(202)
    const standbyPid = await eventually(
      "the broken handover committed",
      async () => {
        const names = (await docker.listContainers({ all: true })).flatMap((c) => c.Names)
        if (!names.includes(`/${fleet}-fleetd--prev`)) return undefined
        return (await docker.getContainer(`${fleet}-fleetd--standby`).inspect()).State.Pid
      },
      90_000,
    )
    process.kill(standbyPid, "SIGKILL")
    const refused = await eventually(
      "the old fleetd back, reporting the rollback",
      async () => {
        const s = await status()
        const service = s?.services.find((x) => x.name === "fleetd")
        return s?.lastAttemptedRevision === bad && service?.sync === "RolledBack" ? { s, service } : undefined
      },
      150_000,
    )
    // The standby's verdict: why (its gate's words about the new container) and its last lines.
    expect(refused.service.lastError?.message).toMatch(
      /did not become ready \(\S+-fleetd (exited|restarted|is unhealthy)/,
    )
    expect(refused.service.lastError?.message).toContain("broken fleetd")
    const kept = await inspect("fleetd")
    expect(kept.Id).toBe(updated.Id)
    expect(kept.Config.Image).toBe(v2)
    expect(kept.State.Running).toBe(true)
    // Held: further passes at that revision leave it alone (no standby started again).
    expect(await webhook()).toBe(202)
    await eventually(
      "a pass that holds the broken spec",
      async () => {
        const s = await status()
        return s?.services.find((x) => x.name === "fleetd")?.sync === "RolledBack" &&
          s.lastPass?.finishedAt !== undefined &&
          Date.parse(s.lastPass.startedAt) > Date.parse(refused.s.lastPass?.finishedAt ?? "")
          ? s
          : undefined
      },
      30_000,
    ).catch(async (e) => {
      console.error(JSON.stringify(await status(), null, 2))
      throw e
    })
    const names = (await docker.listContainers({ all: true })).flatMap((c) => c.Names)
    expect(names.filter((n) => n.startsWith(`/${fleet}-fleetd`))).toEqual([`/${fleet}-fleetd`])
    expect((await inspect("fleetd")).Id).toBe(updated.Id)
    expect((await inspect("app")).Id).toBe(app.Id)
  }, 420_000)
})
