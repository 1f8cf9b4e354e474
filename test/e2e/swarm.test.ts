/**
 * `fleetd run --swarm` end to end on a real single-node Swarm manager: replicas, an
 * environment change rolled out, a secret rotated (the service moves to the new
 * content-named secret, the old one is removed), a crash-looping command rolled back by
 * Swarm itself and reported RolledBack with the task's error (and not sent again), a
 * service removed from the file and pruned, and a service made by hand left alone.
 * One daemon, one fleet, steps in order: a rollout is the slow part, so each is done once.
 */
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type Docker from "dockerode"
import { afterAll, describe, expect, it, onTestFailed } from "vitest"
import type { ServiceStatus } from "../../src/domain/FleetStatus.ts"
import { type Daemon, eventually, startDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, swarmEngine, uniqueFleet } from "../support/testEngines.ts"

const engine = swarmEngine()
const docker = rawClient(engine)
const fleet = uniqueFleet("swr")
const dir = mkdtempSync(join(tmpdir(), "fleetd-swarm-"))
const label = { label: [`fleetd.fleet=${fleet}`] }
let daemon: Daemon | undefined

interface Inspected {
  readonly ID: string
  readonly Version: { readonly Index: number }
  readonly Spec: {
    readonly Name: string
    readonly TaskTemplate: {
      readonly ContainerSpec: {
        readonly Args?: ReadonlyArray<string>
        readonly Env?: ReadonlyArray<string>
        readonly Secrets?: ReadonlyArray<{ readonly SecretName: string }>
      }
    }
  }
}

const write = (o: { greeting: string; command: string; side: boolean }) =>
  writeFileSync(
    join(dir, "fleet.yaml"),
    [
      `name: ${fleet}`,
      "services:",
      "  app:",
      "    image: fleetd-test/app:v1",
      `    command: ${o.command}`,
      "    stop_grace_period: 1s",
      `    environment: {GREETING: ${o.greeting}}`,
      "    secrets: [api_key]",
      "    deploy:",
      "      replicas: 2",
      "      restart_policy: {condition: any, delay: 1s}",
      "      update_config: {parallelism: 2, delay: 0s, monitor: 3s, failure_action: rollback}",
      "      rollback_config: {parallelism: 2, monitor: 1s}",
      ...(o.side
        ? [
            "  side:",
            "    image: fleetd-test/app:v1",
            "    command: [sleep, '1000']",
            "    stop_grace_period: 1s",
          ]
        : []),
      "secrets:",
      "  api_key: {file: ./api_key.txt}",
      "",
    ].join("\n"),
  )

const sleeping = "[sleep, '1000']"
const service = async (name: string) =>
  (await docker
    .getService(`${fleet}_${name}`)
    .inspect()
    .catch(() => undefined)) as Inspected | undefined
const secrets = async () =>
  (
    (await docker.listSecrets({ filters: JSON.stringify(label) })) as ReadonlyArray<{
      Spec: { Name: string }
    }>
  )
    .map((s) => s.Spec.Name)
    .sort()
const statusOf = async (name: string): Promise<ServiceStatus | undefined> =>
  (await daemon?.status())?.services.find((s) => s.name === name)

afterAll(async () => {
  if (daemon !== undefined && daemon.process.exitCode === null) await daemon.stop()
  const owned = (await docker.listServices({ filters: JSON.stringify(label) })) as ReadonlyArray<{
    ID: string
  }>
  await Promise.all(
    [...owned.map((s) => s.ID), `${fleet}_manual`].map((id) =>
      (docker.getService(id) as Docker.Service).remove().catch(() => undefined),
    ),
  )
  // Networks and secrets stay in use until the removed services' tasks are gone.
  await eventually(
    "the fleet's networks and secrets removed",
    async () => {
      const networks = await docker.listNetworks({ filters: JSON.stringify(label) })
      const left = (await docker.listSecrets({ filters: JSON.stringify(label) })) as ReadonlyArray<{
        ID: string
      }>
      await Promise.all([
        ...networks.map((n) =>
          docker
            .getNetwork(n.Id)
            .remove()
            .catch(() => undefined),
        ),
        ...left.map((s) =>
          docker
            .getSecret(s.ID)
            .remove()
            .catch(() => undefined),
        ),
      ])
      return networks.length === 0 && left.length === 0 ? true : undefined
    },
    30_000,
  ).catch(() => undefined)
  await cleanupFleet(engine, fleet)
}, 60_000)

describe("fleetd run --swarm on a single-node Swarm manager", () => {
  it("deploys replicas, rolls out changes and secrets, reports Swarm's rollback, prunes, leaves the unmanaged alone", async () => {
    // A daemon that never answered once failed this test with only "fetch failed": say why.
    onTestFailed(() => {
      console.error(
        `fleetd run --swarm exit code ${daemon?.process.exitCode}; its log:\n${daemon?.logs() ?? ""}`,
      )
    })
    // A service made by hand, named like the fleet's own: never fleetd's to touch.
    await docker.createService({
      Name: `${fleet}_manual`,
      TaskTemplate: { ContainerSpec: { Image: "fleetd-test/app:v1", Args: ["sleep", "1000"] } },
    } as unknown as Docker.CreateServiceOptions)
    writeFileSync(join(dir, "api_key.txt"), "key-one\n")
    write({ greeting: "one", command: sleeping, side: true })
    const data = mkdtempSync(join(tmpdir(), "fleetd-swarm-data-"))
    const d = startDaemon(["--swarm", "--dir", dir, "--interval", "1h", "--data-dir", data], {
      dockerHost: engine.host,
      port: await freePort(),
    })
    daemon = d

    // 1. Replicas: two tasks running, shown per task with its node.
    const first = await eventually(
      "two replicas running",
      async () => {
        const s = await statusOf("app")
        return s?.swarm?.running === 2 && s.health === "Healthy" ? s : undefined
      },
      // A fresh swarm on a loaded machine: the first tasks, and the daemon's start, take longer.
      120_000,
    )
    expect(first.swarm?.desired).toBe(2)
    expect(first.container).toBe(`${fleet}_app`)
    expect(first.swarm?.tasks.filter((t) => t.state === "running").every((t) => t.node !== "")).toBe(true)
    const [firstSecret] = await secrets()
    expect(firstSecret).toMatch(new RegExp(`^${fleet}_api_key_[0-9a-f]{12}$`))
    expect((await service("app"))?.Spec.TaskTemplate.ContainerSpec.Secrets?.[0]?.SecretName).toBe(firstSecret)
    const shown = await runFleetd(["status", "--url", d.base], { dockerHost: engine.host })
    expect(shown.stdout).toContain("Healthy (2/2)")

    // 2. An environment change, rolled out by Swarm.
    write({ greeting: "two", command: sleeping, side: true })
    await eventually(
      "the environment change rolled out",
      async () => {
        const s = await statusOf("app")
        const env = (await service("app"))?.Spec.TaskTemplate.ContainerSpec.Env ?? []
        return env.includes("GREETING=two") && s?.lastChange?.outcome === "replaced" && s.swarm?.running === 2
          ? true
          : undefined
      },
      60_000,
    )

    // 3. The secret rotated: a new content-named secret, the service on it, the old one gone.
    writeFileSync(join(dir, "api_key.txt"), "key-two\n")
    const rotated = await eventually(
      "the service on the new secret, the old one removed",
      async () => {
        const names = await secrets()
        const used = (await service("app"))?.Spec.TaskTemplate.ContainerSpec.Secrets?.[0]?.SecretName
        return names.length === 1 && names[0] !== firstSecret && used === names[0] ? used : undefined
      },
      60_000,
    )
    expect(d.logs()).not.toContain("key-two")

    // 4. A crash-looping command: Swarm rolls it back; fleetd reports it with the task's error.
    write({ greeting: "two", command: "[sh, -c, 'echo boom-from-task >&2; exit 3']", side: true })
    const rolledBack = await eventually(
      "the update rolled back and reported",
      async () => {
        const s = await statusOf("app")
        return s?.sync === "RolledBack" ? s : undefined
      },
      90_000,
    )
    expect(rolledBack.lastError?.message).toContain("Swarm rolled the update back")
    expect(rolledBack.lastError?.message).toContain("non-zero exit (3)")
    const back = await service("app")
    expect(back?.Spec.TaskTemplate.ContainerSpec.Args).toEqual(["sleep", "1000"])
    expect(back?.Spec.TaskTemplate.ContainerSpec.Secrets?.[0]?.SecretName).toBe(rotated)

    // 5. A service removed from the file is pruned; the rolled-back spec is not sent again.
    write({ greeting: "two", command: "[sh, -c, 'echo boom-from-task >&2; exit 3']", side: false })
    await eventually(
      "the removed service pruned",
      async () => ((await service("side")) ? undefined : true),
      60_000,
    )
    const held = await eventually(
      "the pass recorded",
      async () => {
        const s = await d.status()
        return s.lastPass?.finishedAt !== undefined && s.services.every((x) => x.name !== "side")
          ? s
          : undefined
      },
      30_000,
    )
    expect(held.services.find((s) => s.name === "app")?.sync).toBe("RolledBack")
    expect((await service("app"))?.Version.Index).toBe(back?.Version.Index)

    // 6. The service made by hand is untouched.
    expect((await service("manual"))?.Spec.TaskTemplate.ContainerSpec.Args).toEqual(["sleep", "1000"])
    expect(await d.stop()).toBe(0)
  }, 300_000)

  it("refuses to start on an engine that is no Swarm manager, with what to do (exit 2)", async () => {
    const plain = process.env["FLEETD_TEST_DOCKER_HOST"]
    if (plain === undefined) return
    write({ greeting: "one", command: sleeping, side: false })
    const run = await runFleetd(["apply", "--swarm", "-f", join(dir, "fleet.yaml")], { dockerHost: plain })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("the engine is not a Docker Swarm manager")
    expect(run.stderr).toContain("Point --engine at a manager")
  })
})
