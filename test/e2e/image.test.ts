import { execFileSync } from "node:child_process"
import { chmodSync, chownSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type Docker from "dockerode"
import { Effect, Exit, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { FleetStatus } from "../../src/domain/FleetStatus.ts"
import { runPodmanHealthcheck } from "../../src/engine/podmanHealth.ts"
import { eventually } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { makeGitRemote, tempDir } from "../support/gitRemote.ts"
import { cleanupFleet, rawClient, type TestEngine, uniqueFleet } from "../support/testEngines.ts"

/**
 * fleetd as users run it: the Dockerfile built (on a stand-in for its public base,
 * test/support/fleetd-image.sh) on the private Docker engine, and run next to each
 * private engine it drives, with the engine's socket, a data volume, a git repository
 * and a read-only operator policy mounted. The image is built once, on Docker, and
 * streamed into Podman with `docker save` (no registry); what the container then does
 * to the engine is what the other suites test on both engines.
 */
const dockerHost = process.env["FLEETD_TEST_DOCKER_HOST"]
const podmanHost = process.env["FLEETD_TEST_PODMAN_HOST"]
const imageRef = process.env["FLEETD_IMAGE_REF"] ?? "fleetd-test/fleetd:e2e"
const repo = join(import.meta.dirname, "../..")

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`

const chownTree = (path: string, uid: number, gid: number): void => {
  chownSync(path, uid, gid)
  if (statSync(path).isDirectory())
    for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid)
}

/**
 * fleetd-image.sh `build` (Docker) or `podman` (the Docker build, then loaded into
 * Podman when Podman lacks that image id). Cold (CI): debootstrap, the base's import
 * and the build, about 1.5 min, plus about 10 s for Podman's load; then seconds.
 */
const prepareImage = (engine: TestEngine): void => {
  execFileSync(
    "bash",
    [join(repo, "test/support/fleetd-image.sh"), engine.kind === "docker" ? "build" : "podman"],
    {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, FLEETD_IMAGE_REF: imageRef },
      timeout: 15 * 60_000,
    },
  )
}

/** How each engine's socket is mounted, as the Dockerfile's comment tells users to. */
const socketInContainer = {
  docker: { path: "/var/run/docker.sock", env: [] },
  podman: { path: "/run/podman/podman.sock", env: ["FLEETD_ENGINE=unix:///run/podman/podman.sock"] },
} as const

/** The image's HEALTHCHECK result. Podman without systemd never runs the check by itself:
 *  one run through the libpod endpoint first, as fleetd does for the services it gates. */
const healthOf = async (engine: TestEngine, container: Docker.Container): Promise<string | undefined> => {
  if (engine.kind === "podman")
    await runPodmanHealthcheck(rawClient(engine), container.id, AbortSignal.timeout(10_000)).catch(
      () => undefined,
    )
  return (await container.inspect()).State.Health?.Status
}

/** Above the two 60 s waits: a stuck wait fails with fleetd's log, not a bare timeout. */
const testTimeout = 150_000

const engines: ReadonlyArray<TestEngine> = [
  { kind: "docker", host: dockerHost ?? "" },
  ...(podmanHost === undefined ? [] : [{ kind: "podman" as const, host: podmanHost }]),
]

// The build needs the Docker engine, and Podman gets the image from it.
describe.skipIf(dockerHost === undefined).each(engines)("the fleetd image on $kind", (engine) => {
  const docker = rawClient(engine)
  const socket = engine.host.replace(/^unix:\/\//, "")
  const fleet = uniqueFleet("img")
  const scope = Effect.runSync(Scope.make())

  beforeAll(() => prepareImage(engine), 16 * 60_000)
  afterAll(async () => {
    await cleanupFleet(engine, fleet)
    await Effect.runPromise(Scope.close(scope, Exit.void))
  })

  it(
    "runs as uid 1000 where the socket's group may use it: healthy, applies its repository under the operator policy, exits 0 on SIGTERM",
    async () => {
      // uid 1000 (the image's `node`, which owns /data) in the socket's group, when that
      // group may read and write it (Docker's root:docker 0660). Else root: the private
      // Podman's socket is root's alone (0600), as `podman system service` leaves it.
      const { gid: socketGid, mode: socketMode } = statSync(socket)
      const uid = (socketMode & 0o060) === 0o060 ? 1000 : 0
      const image = await docker.getImage(imageRef).inspect()
      console.log(
        `image ${imageRef} on ${engine.kind}: ${(image.Size / 1e6).toFixed(0)} MB; run as uid ${uid}`,
      )

      // network_mode: host is refused without a policy that allows it: the service runs
      // only if the read-only policy file reached fleetd.
      const remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
      remote.commit({
        "fleet.yaml": `name: ${fleet}\nservices:\n  app:\n    image: fleetd-test/app:v1\n    command: ${idle}\n    network_mode: host\n    stop_grace_period: 3s\n`,
      })
      remote.push()
      // git refuses to serve a repository owned by another user ("dubious ownership").
      chownTree(remote.bare, uid, uid)
      const etc = await Effect.runPromise(tempDir("img-policy").pipe(Scope.provide(scope)))
      chmodSync(etc, 0o755)
      writeFileSync(join(etc, "policy.yaml"), "allow:\n  network_mode_host: true\n", { mode: 0o644 })

      const mount = socketInContainer[engine.kind]
      const port = await freePort()
      const container = await docker.createContainer({
        name: `${fleet}-fleetd`,
        Image: imageRef,
        User: uid === 0 ? "0:0" : `${uid}:${socketGid}`,
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
        Env: [`FLEETD_LISTEN=127.0.0.1:${port}`, ...mount.env],
        // The image's check, run every second rather than every 30 s (Docker; Podman
        // keeps the image's 30 s, which no timer runs: healthOf runs it).
        Healthcheck: { Interval: 1e9 },
        HostConfig: {
          NetworkMode: "host",
          Binds: [
            `${socket}:${mount.path}`,
            `${fleet}-data:/data`,
            `${remote.bare}:/repo:ro`,
            `${join(etc, "policy.yaml")}:/etc/fleetd/policy.yaml:ro`,
          ],
        },
      })
      await container.start()
      // The image's own check: Podman 4.3's image inspect leaves a Docker-format image's
      // healthcheck out, but gives it to the container.
      expect((await container.inspect()).Config.Healthcheck?.Test?.length).toBeGreaterThan(0)
      const logs = async () =>
        (await container.logs({ stdout: true, stderr: true, tail: 40, follow: false })).toString()

      try {
        await eventually(
          "the fleetd container healthy",
          async () => ((await healthOf(engine, container)) === "healthy" ? true : undefined),
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
        // Its checkout and state went to the data volume, written as the user it ran as
        // (the volume's root is the image's /data, uid 1000, copied up on first use).
        const volume = await docker.getVolume(`${fleet}-data`).inspect()
        const written = readdirSync(volume.Mountpoint)
        expect(written.length).toBeGreaterThan(0)
        expect(statSync(volume.Mountpoint).uid).toBe(1000)
        for (const entry of written) expect(statSync(join(volume.Mountpoint, entry)).uid, entry).toBe(uid)
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
    },
    testTimeout,
  )
})
