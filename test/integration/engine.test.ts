import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { ContainerSpec } from "../../src/domain/ContainerSpec.ts"
import type { DesiredNetwork, DesiredVolume } from "../../src/domain/DesiredState.ts"
import { Labels } from "../../src/domain/labels.ts"
import { makeDockerEngine } from "../../src/engine/DockerEngine.ts"
import { spec } from "../support/fixtures.ts"
import { freePort as freeLoopbackPort } from "../support/freePort.ts"
import { rawClient, type TestEngine, testEngines, waitUntil, withFleet } from "../support/testEngines.ts"

const freePort = () => Effect.promise(freeLoopbackPort)

/**
 * busybox `sleep` as PID 1 ignores SIGTERM; this shell exits on it at once, once it has
 * said `trapping` (a TERM that comes before the trap is set is ignored by PID 1).
 */
const sleeper: Pick<ContainerSpec, "command"> = {
  command: ["sh", "-c", "trap 'exit 0' TERM; echo trapping; while true; do sleep 0.1; done"],
}

const network = (fleet: string, key: string, overrides: Partial<DesiredNetwork> = {}): DesiredNetwork => ({
  key,
  name: `${fleet}_${key}`,
  driver: "bridge",
  internal: false,
  labels: {},
  external: false,
  ...overrides,
})

const volume = (fleet: string, key: string, overrides: Partial<DesiredVolume> = {}): DesiredVolume => ({
  key,
  name: `${fleet}_${key}`,
  driver: "local",
  labels: {},
  external: false,
  ...overrides,
})

const owned = (fleet: string, service: string) => ({ [Labels.fleet]: fleet, [Labels.service]: service })

const httpGet = (url: string) =>
  Effect.promise(() =>
    fetch(url, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.text())
      .catch(() => ""),
  )

describe.each(testEngines())("ContainerEngine on $kind", (engine: TestEngine) => {
  const make = () => makeDockerEngine({ endpoint: engine.host })

  it.live("tells which engine it is", () =>
    Effect.gen(function* () {
      const info = yield* make().info
      expect(info.kind).toBe(engine.kind)
      expect(info.apiVersion).toBe("1.41")
      expect(info.endpoint).toBe(engine.host)
    }),
  )

  it.live("lists only the containers of its fleet", () =>
    Effect.gen(function* () {
      const fleet = yield* withFleet(engine)
      const e = make()
      yield* e.createContainer(`${fleet}-mine`, spec(sleeper), owned(fleet, "mine"))
      const raw = rawClient(engine)
      yield* Effect.promise(() =>
        raw.createContainer({
          name: `${fleet}-other`,
          Image: "fleetd-test/app:v1",
          Labels: owned(`${fleet}x`, "other"),
        }),
      )
      yield* Effect.promise(() =>
        raw.createContainer({ name: `${fleet}-unmanaged`, Image: "fleetd-test/app:v1" }),
      )
      const listed = yield* e.listContainers(fleet)
      expect(listed.map((c) => c.name)).toEqual([`${fleet}-mine`])
      expect(listed[0]?.state).toBe("created")
      expect(listed[0]?.labels[Labels.service]).toBe("mine")
      const images = yield* e.listImages
      const v1 = images.find((i) => i.refs.includes("fleetd-test/app:v1"))
      expect(listed[0]?.imageId).toBe(v1?.id)
    }),
  )

  it.live("creates what the spec says and the engine reports it back", () =>
    Effect.gen(function* () {
      const fleet = yield* withFleet(engine)
      const e = make()
      const port = yield* freePort()
      const hostDir = mkdtempSync(join(tmpdir(), "fleetd-bind-"))
      writeFileSync(join(hostDir, "hello.txt"), "from the host\n")
      const [front, back] = [network(fleet, "front"), network(fleet, "back")]
      yield* e.ensureNetwork(fleet, front)
      yield* e.ensureNetwork(fleet, back)
      yield* e.ensureVolume(fleet, volume(fleet, "data"))
      const webSpec = spec({
        command: ["httpd", "-f", "-p", "80", "-h", "/var/www"],
        env: ["GREETING=hello", "MODE=test"],
        ports: [{ target: 80, protocol: "tcp", published: port, hostIp: "127.0.0.1" }],
        mounts: [
          { type: "volume", source: `${fleet}_data`, target: "/data", readOnly: false },
          { type: "bind", source: hostDir, target: "/host", readOnly: true },
          { type: "anonymous", target: "/scratch", readOnly: false },
        ],
        tmpfs: { "/run": "" },
        healthcheck: {
          test: ["CMD-SHELL", "wget -qO- http://127.0.0.1/ >/dev/null || exit 1"],
          intervalNs: 300_000_000,
          timeoutNs: 2_000_000_000,
          retries: 3,
        },
        networks: [
          { name: back.name, aliases: ["api"] },
          { name: front.name, aliases: ["web"] },
        ],
        labels: { "com.example.team": "ops" },
        stopSignal: "SIGTERM",
        stopGracePeriodSeconds: 3,
        hostname: "webhost",
        workingDir: "/data",
      })
      const t0 = performance.now()
      const id = yield* e.createContainer(`${fleet}-web`, webSpec, owned(fleet, "web"))
      yield* e.startContainer(id)
      const createStartMs = performance.now() - t0

      const inspected = yield* Effect.promise(() => rawClient(engine).getContainer(id).inspect())
      expect(inspected.Config.Env).toEqual(expect.arrayContaining(["GREETING=hello", "MODE=test"]))
      expect(inspected.Config.Labels).toMatchObject({ "com.example.team": "ops", ...owned(fleet, "web") })
      expect(inspected.Config.Hostname).toBe("webhost")
      expect(inspected.Config.WorkingDir).toBe("/data")
      expect(inspected.HostConfig.PortBindings).toMatchObject({
        "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(port) }],
      })
      expect(Object.keys(inspected.NetworkSettings.Networks).sort()).toEqual([back.name, front.name].sort())
      expect(inspected.NetworkSettings.Networks[front.name]?.Aliases).toContain("web")
      expect(inspected.NetworkSettings.Networks[back.name]?.Aliases).toContain("api")
      const mounts = Object.fromEntries(inspected.Mounts.map((m) => [m.Destination, m]))
      expect(mounts["/data"]).toMatchObject({ Type: "volume", Name: `${fleet}_data`, RW: true })
      expect(mounts["/host"]).toMatchObject({ Type: "bind", RW: false })
      expect(mounts["/scratch"]?.Type).toBe("volume")

      const body = yield* waitUntil(
        httpGet(`http://127.0.0.1:${port}/`),
        (t) => t.includes("fleetd test image v1"),
        {
          what: "the published port to answer",
        },
      )
      expect(body).toContain("v1")

      const [listed] = yield* e.listContainers(fleet)
      expect(listed?.state).toBe("running")
      expect(listed?.networks).toEqual([back.name, front.name].sort())
      expect(listed?.volumes).toContain(`${fleet}_data`)

      // On Podman without systemd nobody runs the check unless inspect drives it.
      const healthy = yield* waitUntil(e.inspectContainer(id), (s) => s.health === "healthy", {
        what: "the container to turn healthy",
      })
      expect(healthy).toMatchObject({ running: true, status: "running", name: `${fleet}-web` })
      console.log(
        `[${engine.kind}] create+start with 2 networks, 3 mounts, 1 port: ${createStartMs.toFixed(0)} ms`,
      )
    }),
  )

  it.live("start, stop and remove are idempotent; rename renames", () =>
    Effect.gen(function* () {
      const fleet = yield* withFleet(engine)
      const e = make()
      const id = yield* e.createContainer(`${fleet}-svc`, spec(sleeper), owned(fleet, "svc"))
      yield* e.startContainer(id)
      yield* e.startContainer(id)
      expect((yield* e.inspectContainer(id)).running).toBe(true)
      // On a loaded machine the shell may not have set its trap yet when start returns.
      yield* waitUntil(e.containerLogs(id, 5), (logs) => logs.includes("trapping"), {
        what: "the container's shell to set its TERM trap",
      })
      const t0 = performance.now()
      yield* e.stopContainer(id, 10)
      const stopMs = performance.now() - t0
      // The shell traps TERM, so the stop must not wait for the 10 s grace period.
      expect(stopMs).toBeLessThan(5000)
      yield* e.stopContainer(id, 10)
      const stopped = yield* e.inspectContainer(id)
      expect(stopped.running).toBe(false)
      expect(stopped.health).toBeUndefined()
      yield* e.renameContainer(id, `${fleet}-svc-renamed`)
      expect((yield* e.inspectContainer(id)).name).toBe(`${fleet}-svc-renamed`)
      yield* e.removeContainer(id)
      yield* e.removeContainer(id)
      const gone = yield* Effect.flip(e.inspectContainer(id))
      expect(gone.reason).toBe("NotFound")
      expect(yield* e.listContainers(fleet)).toEqual([])
    }),
  )

  it.live("ensures networks and volumes once, and refuses ones it does not own", () =>
    Effect.gen(function* () {
      const fleet = yield* withFleet(engine)
      const e = make()
      const raw = rawClient(engine)
      yield* e.ensureNetwork(fleet, network(fleet, "net"))
      yield* e.ensureNetwork(fleet, network(fleet, "net"))
      yield* e.ensureVolume(fleet, volume(fleet, "vol"))
      yield* e.ensureVolume(fleet, volume(fleet, "vol"))
      const networks = yield* Effect.promise(() => raw.listNetworks())
      const mine = networks.filter((n) => n.Name === `${fleet}_net`)
      expect(mine).toHaveLength(1)
      expect(mine[0]?.Labels).toMatchObject({ [Labels.fleet]: fleet, [Labels.network]: "net" })
      const volumes = yield* Effect.promise(() => raw.listVolumes())
      expect(volumes.Volumes.find((v) => v.Name === `${fleet}_vol`)?.Labels).toMatchObject({
        [Labels.fleet]: fleet,
        [Labels.volume]: "vol",
      })

      yield* Effect.promise(() => raw.createNetwork({ Name: `${fleet}_taken` }))
      const conflict = yield* Effect.flip(e.ensureNetwork(fleet, network(fleet, "taken")))
      expect(conflict.reason).toBe("Conflict")
      expect(conflict.message).toContain(`${fleet}_taken`)
      // Declared external, the same network is fine: it is only checked for existence.
      yield* e.ensureNetwork(fleet, network(fleet, "taken", { external: true }))
      const missing = yield* Effect.flip(e.ensureNetwork(fleet, network(fleet, "absent", { external: true })))
      expect(missing.reason).toBe("NotFound")
      expect(missing.message).toContain(`${fleet}_absent`)

      yield* Effect.promise(() => raw.createVolume({ Name: `${fleet}_vtaken` }))
      const volumeConflict = yield* Effect.flip(e.ensureVolume(fleet, volume(fleet, "vtaken")))
      expect(volumeConflict.reason).toBe("Conflict")
    }),
  )

  it.live("fails Conflict on a name an unmanaged container holds", () =>
    Effect.gen(function* () {
      const fleet = yield* withFleet(engine)
      yield* Effect.promise(() =>
        rawClient(engine).createContainer({ name: `${fleet}-web`, Image: "fleetd-test/app:v1" }),
      )
      const error = yield* Effect.flip(
        make().createContainer(`${fleet}-web`, spec(sleeper), owned(fleet, "web")),
      )
      expect(error.reason).toBe("Conflict")
      expect(error.message).toContain(`${fleet}-web`)
    }),
  )

  it.live("fails NotFound when the image is missing, without leaking the environment", () =>
    Effect.gen(function* () {
      const fleet = yield* withFleet(engine)
      // A loopback registry name: should the engine try to pull, it asks nobody outside.
      const image = "127.0.0.1:9/fleetd-test/missing:v9"
      const error = yield* Effect.flip(
        make().createContainer(
          `${fleet}-web`,
          spec({ image, env: ["SECRET_TOKEN=hunter2-s3cr3t"] }),
          owned(fleet, "web"),
        ),
      )
      expect(error.reason).toBe("NotFound")
      expect(error.message).toContain("fleetd-test/missing")
      expect(error.message).not.toContain("hunter2")
    }),
  )

  it.live("fails a pull the registry cannot serve", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(make().pullImage("127.0.0.1:9/fleetd-test/missing:v9"))
      expect(error._tag).toBe("EngineError")
      expect(error.message).toContain("127.0.0.1:9/fleetd-test/missing")
    }),
  )
})

describe("ContainerEngine with no engine behind it", () => {
  it.live("builds, then fails Unavailable naming the socket", () =>
    Effect.gen(function* () {
      const e = makeDockerEngine({ endpoint: "unix:///nonexistent/fleetd-test/docker.sock" })
      const info = yield* Effect.flip(e.info)
      expect(info.reason).toBe("Unavailable")
      expect(info.message).toContain("/nonexistent/fleetd-test/docker.sock")
      const list = yield* Effect.flip(e.listContainers("x"))
      expect(list.reason).toBe("Unavailable")
      expect(list.operation).toBe("ContainerEngine.listContainers")
    }),
  )
})
