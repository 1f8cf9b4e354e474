import { execFileSync } from "node:child_process"
import { chmodSync, chownSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { FleetStatus } from "../../src/domain/FleetStatus.ts"
import { eventually } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { makeGitRemote, tempDir } from "../support/gitRemote.ts"
import { cleanupFleet, rawClient, type TestEngine, uniqueFleet } from "../support/testEngines.ts"

/**
 * fleetd as users run it: the Dockerfile built (on a stand-in for its public base,
 * test/support/fleetd-image.sh) and run on the private Docker engine next to the
 * engine it drives, as a non-root user in the socket's group, with the socket, a data
 * volume, a git repository and a read-only operator policy mounted. Docker only: the
 * image is built once, and what the container does to the engine is what the other
 * suites test on both engines.
 */
const dockerHost = process.env["FLEETD_TEST_DOCKER_HOST"]
const imageRef = process.env["FLEETD_IMAGE_REF"] ?? "fleetd-test/fleetd:e2e"
const repo = join(import.meta.dirname, "../..")

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

const chownTree = (path: string, uid: number, gid: number): void => {
  chownSync(path, uid, gid)
  if (statSync(path).isDirectory())
    for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid)
}

describe.skipIf(dockerHost === undefined)("the fleetd image on docker", () => {
  const engine: TestEngine = { kind: "docker", host: dockerHost ?? "" }
  const docker = rawClient(engine)
  const socket = engine.host.replace(/^unix:\/\//, "")
  const fleet = uniqueFleet("img")
  const scope = Effect.runSync(Scope.make())

  beforeAll(() => {
    // Cold (CI): debootstrap, the base's import and the build, about 1.5 min; then seconds.
    execFileSync("bash", [join(repo, "test/support/fleetd-image.sh"), "build"], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, FLEETD_IMAGE_REF: imageRef },
      timeout: 15 * 60_000,
    })
  }, 16 * 60_000)
  afterAll(async () => {
    await cleanupFleet(engine, fleet)
    await Effect.runPromise(Scope.close(scope, Exit.void))
  })

  it("runs as uid 1000 with the socket's group: healthy, applies its repository under the operator policy, exits 0 on SIGTERM", async () => {
    const image = await docker.getImage(imageRef).inspect()
    console.log(`image ${imageRef}: ${(image.Size / 1e6).toFixed(0)} MB`)
    expect(image.Config.Healthcheck?.Test?.length).toBeGreaterThan(0)

    // network_mode: host is refused without a policy that allows it: the service runs
    // only if the read-only policy file reached fleetd.
    const remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
    remote.commit({
      "fleet.yaml": `name: ${fleet}\nservices:\n  app:\n    image: fleetd-test/app:v1\n    command: ${idle}\n    network_mode: host\n    stop_grace_period: 3s\n`,
    })
    remote.push()
    // git refuses to serve a repository owned by another user ("dubious ownership").
    chownTree(remote.bare, 1000, 1000)
    const etc = await Effect.runPromise(tempDir("img-policy").pipe(Scope.provide(scope)))
    chmodSync(etc, 0o755)
    writeFileSync(join(etc, "policy.yaml"), "allow:\n  network_mode_host: true\n", { mode: 0o644 })

    const socketGid = statSync(socket).gid
    const port = await freePort()
    const container = await docker.createContainer({
      name: `${fleet}-fleetd`,
      Image: imageRef,
      User: `1000:${socketGid}`,
      Cmd: [
        "run",
        "--repo",
        "file:///repo",
        "--branch",
        "main",
        "--interval",
        "1h",
        "--policy",
        "/etc/fleetd/policy.yaml",
      ],
      // Loopback only (tests send traffic nowhere else): host network, a free port.
      Env: [`FLEETD_LISTEN=127.0.0.1:${port}`],
      // The image's check, run every second rather than every 30 s.
      Healthcheck: { Interval: 1e9 },
      HostConfig: {
        NetworkMode: "host",
        Binds: [
          `${socket}:/var/run/docker.sock`,
          `${fleet}-data:/data`,
          `${remote.bare}:/repo:ro`,
          `${join(etc, "policy.yaml")}:/etc/fleetd/policy.yaml:ro`,
        ],
      },
    })
    await container.start()
    const logs = async () =>
      (await container.logs({ stdout: true, stderr: true, tail: 40, follow: false })).toString()

    try {
      await eventually(
        "the fleetd container healthy",
        async () => ((await container.inspect()).State.Health?.Status === "healthy" ? true : undefined),
        60_000,
      )
      const status = await eventually(
        "a successful first pass",
        async () => {
          const s = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as FleetStatus
          return s.lastPass?.result === "success" ? s : undefined
        },
        60_000,
      )
      expect(status.services).toMatchObject([{ name: "app", sync: "Synced" }])
      const app = await docker.getContainer(`${fleet}-app`).inspect()
      expect(app.State.Running).toBe(true)
      expect(app.HostConfig.NetworkMode).toBe("host")
      // Its checkout and state went to the data volume, written as uid 1000.
      const volume = await docker.getVolume(`${fleet}-data`).inspect()
      const written = readdirSync(volume.Mountpoint)
      expect(written.length).toBeGreaterThan(0)
      for (const entry of ["", ...written])
        expect(statSync(join(volume.Mountpoint, entry)).uid, entry).toBe(1000)
    } catch (error) {
      console.error(await logs())
      throw error
    }

    // SIGTERM (the image's STOPSIGNAL): webhooks refused, the current action finishes, exit 0.
    const stopped = Date.now()
    await container.stop({ t: 20 })
    const state = (await container.inspect()).State
    expect(state.ExitCode, await logs()).toBe(0)
    expect(Date.now() - stopped).toBeLessThan(15_000)
    // Stopping fleetd leaves the fleet running.
    expect((await docker.getContainer(`${fleet}-app`).inspect()).State.Running).toBe(true)
  })
})
