/**
 * `fleetd apply --swarm` and `fleetd run --swarm` on a real two-node swarm (engines.sh's
 * `swarm2`: a manager labelled fleetd.test.zone=a and a worker labelled b, two dockerds
 * in network namespaces of their own). The services fleetd creates place their tasks as
 * `deploy.placement` asks; the worker is refused as a target; and when the worker is
 * drained, Swarm runs its tasks on the manager while the daemon keeps the fleet
 * converged: the same service spec, every replica running, its status saying where.
 *
 * Where a task runs is read from the manager (the task's node) and checked against
 * each node's own engine (the containers it really runs).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import type { FleetStatus } from "../../src/domain/FleetStatus.ts"
import { Labels } from "../../src/domain/labels.ts"
import { type Daemon, eventually, startDaemon, stopDaemon } from "../support/daemon.ts"
import { freePort } from "../support/freePort.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { rawClient, swarm2Engines, uniqueFleet } from "../support/testEngines.ts"

const engines = swarm2Engines()
const manager = rawClient(engines.manager)
const nodeEngines = { a: manager, b: rawClient(engines.worker) } as const
type Zone = keyof typeof nodeEngines
/** The hostnames engines.sh gives the two nodes (what status reports as a task's node). */
const hostnames = { a: "fleetd-swarm2-manager", b: "fleetd-swarm2-worker" } as const

const dirs: Array<string> = []

/** A fleet directory with a fleet.yaml on the swarm target: each service sleeps, and stops within a second. */
const fleetDir = (fleet: string, services: Record<string, ReadonlyArray<string>>) => {
  const lines = [`name: ${fleet}`, "services:"]
  for (const [name, deploy] of Object.entries(services))
    lines.push(
      `  ${name}:`,
      "    image: fleetd-test/app:v1",
      "    command: [sleep, '1000']",
      "    stop_grace_period: 1s",
      "    deploy:",
      "      restart_policy: {condition: any, delay: 0s}",
      ...deploy.map((l) => `      ${l}`),
    )
  const dir = mkdtempSync(join(tmpdir(), "fleetd-swarm2-"))
  dirs.push(dir)
  writeFileSync(join(dir, "fleet.yaml"), `${lines.join("\n")}\n`)
  return dir
}

const fleetd = (args: ReadonlyArray<string>, host = engines.manager.host) =>
  runFleetd(args, { dockerHost: host })

interface Task {
  readonly NodeID?: string
  readonly DesiredState: string
  readonly Status: { readonly State: string; readonly Err?: string }
}

/** Node id → its fleetd.test.zone label. */
const zones = async (): Promise<ReadonlyMap<string, string>> => {
  const nodes = (await manager.listNodes()) as Array<{
    ID: string
    Spec: { Labels?: Record<string, string> }
  }>
  return new Map(nodes.map((n) => [n.ID, n.Spec.Labels?.["fleetd.test.zone"] ?? "?"]))
}

/** The service's tasks Swarm wants running: the zone each runs in ("" while unplaced), its state and error. */
const placement = async (service: string) => {
  const [byNode, tasks] = await Promise.all([
    zones(),
    manager.listTasks({
      filters: JSON.stringify({ service: [service], "desired-state": ["running"] }),
    }) as Promise<Array<Task>>,
  ])
  return tasks
    .map((t) => ({
      zone: t.NodeID ? (byNode.get(t.NodeID) ?? "?") : "",
      state: t.Status.State,
      err: t.Status.Err ?? "",
    }))
    .sort((x, y) => `${x.zone}${x.state}`.localeCompare(`${y.zone}${y.state}`))
}

/**
 * Polls until the zones of the service's running tasks, sorted (["a", "b", "b"]), are
 * one of `wanted`; gives the placement then. The error says what was last seen.
 */
const untilRunningIn = (service: string, ...wanted: ReadonlyArray<ReadonlyArray<string>>) =>
  eventually(
    `${service}'s running tasks in zones ${wanted.map((w) => w.join(",")).join(" or ")}`,
    async () => {
      const seen = await placement(service)
      const running = seen.filter((t) => t.state === "running").map((t) => t.zone)
      if (wanted.some((w) => w.join(",") === running.join(","))) return seen
      throw new Error(`last seen: ${JSON.stringify(seen)}`)
    },
    40_000,
  )

/** Task containers of `service` that the node's own engine runs. */
const containersOn = async (zone: Zone, service: string) =>
  (
    await nodeEngines[zone].listContainers({
      filters: JSON.stringify({ label: [`com.docker.swarm.service.name=${service}`] }),
    })
  ).length

/** The fleet's Swarm services, by name: id and `Version.Index` (which changes on every update). */
const servicesOf = async (fleet: string) =>
  new Map(
    (
      (await manager.listServices({
        filters: JSON.stringify({ label: [`${Labels.fleet}=${fleet}`] }),
      })) as Array<{ ID: string; Version: { Index: number }; Spec: { Name: string } }>
    ).map((s) => [s.Spec.Name, { id: s.ID, version: s.Version.Index }]),
  )

/** `fleetd plan --swarm --json`: whether the fleet is in sync, and the planned change of each service. */
const planOf = async (dir: string) => {
  const result = await fleetd(["plan", "--swarm", "--json", "-f", join(dir, "fleet.yaml")])
  expect(result.stderr).toBe("")
  const plan = JSON.parse(result.stdout) as {
    inSync: boolean
    changes: Array<{ action: string; service: string }>
  }
  return { inSync: plan.inSync, services: plan.changes.map((c) => `${c.action} ${c.service}`).sort() }
}

/** The worker node's id and version, to drain it and set it back. */
const workerNode = async () => {
  const nodes = (await manager.listNodes()) as Array<{
    ID: string
    Version: { Index: number }
    Spec: { Role: string; Availability: string; Labels?: Record<string, string> }
  }>
  const node = nodes.find((n) => n.Spec.Labels?.["fleetd.test.zone"] === "b")
  if (!node) throw new Error(`no node labelled fleetd.test.zone=b in ${JSON.stringify(nodes)}`)
  return node
}

const setWorker = async (availability: "drain" | "active") => {
  const node = await workerNode()
  await manager.getNode(node.ID).update({
    version: node.Version.Index,
    ...node.Spec,
    Availability: availability,
  })
}

const fleets: Array<string> = []

afterAll(async () => {
  await setWorker("active").catch(() => undefined)
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  for (const fleet of fleets) {
    const services = await servicesOf(fleet).catch(() => new Map<string, { id: string }>())
    await Promise.all(
      [...services.values()].map((s) =>
        manager
          .getService(s.id)
          .remove()
          .catch(() => undefined),
      ),
    )
  }
  // A network stays in use until the removed services' tasks are gone: retry for a while.
  const left = async () =>
    (await manager.listNetworks()).filter((n) => fleets.some((f) => n.Labels?.[Labels.fleet] === f))
  await eventually(
    "the fleets' networks to be removed",
    async () => {
      const networks = await left()
      await Promise.all(
        networks.map((n) =>
          manager
            .getNetwork(n.Id)
            .remove()
            .catch(() => undefined),
        ),
      )
      return (await left()).length === 0 ? true : undefined
    },
    30_000,
  ).catch(() => undefined)
}, 60_000)

describe("fleetd --swarm on a two-node swarm", () => {
  it("apply honours placement constraints and max_replicas_per_node, and the worker is refused as a target", async () => {
    const fleet = uniqueFleet("s2p")
    fleets.push(fleet)
    const dir = fleetDir(fleet, {
      pinned: ["replicas: 2", "placement: {constraints: [node.labels.fleetd.test.zone == b]}"],
      capped: ["replicas: 3", "placement: {max_replicas_per_node: 1}"],
    })
    const file = join(dir, "fleet.yaml")

    // A worker cannot create services: fleetd says so before it changes anything.
    const refused = await fleetd(["apply", "--swarm", "-f", file], engines.worker.host)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/not a Docker Swarm manager .*a worker node.*nothing was changed/)
    expect(await servicesOf(fleet)).toEqual(new Map())

    const applied = await fleetd(["apply", "--swarm", "-f", file])
    expect(applied.stderr).toBe("")
    expect(applied.code).toBe(0)

    await untilRunningIn(`${fleet}_pinned`, ["b", "b"])
    // The worker's own engine runs both; the manager none.
    expect(await containersOn("b", `${fleet}_pinned`)).toBe(2)
    expect(await containersOn("a", `${fleet}_pinned`)).toBe(0)

    // One per node, and the third cannot be placed anywhere: Swarm says why.
    await untilRunningIn(`${fleet}_capped`, ["a", "b"])
    // The scheduler records why once it has tried every node: wait for the reason too.
    const unplaced = await eventually("the third capped task's reason", async () => {
      const waiting = (await placement(`${fleet}_capped`)).filter((t) => t.state !== "running")
      return waiting.some((t) => t.err !== "") ? waiting : undefined
    })
    expect(unplaced).toEqual([
      { zone: "", state: "pending", err: "no suitable node (max replicas per node limit exceed)" },
    ])
    expect(await containersOn("a", `${fleet}_capped`)).toBe(1)
    expect(await containersOn("b", `${fleet}_capped`)).toBe(1)

    // Placement is Swarm's business: fleetd has nothing to change.
    expect(await planOf(dir)).toEqual({
      inSync: true,
      services: ["unchanged capped", "unchanged pinned"],
    })
  }, 90_000)

  it("run keeps the fleet converged while a drained node's tasks move to the other node", async () => {
    const fleet = uniqueFleet("s2d")
    fleets.push(fleet)
    const dir = fleetDir(fleet, {
      web: ["replicas: 3", "placement: {preferences: [{spread: node.labels.fleetd.test.zone}]}"],
    })
    const service = `${fleet}_web`
    let daemon: Daemon | undefined
    try {
      const port = await freePort()
      daemon = startDaemon(["--swarm", "--dir", dir, "--interval", "2s", "--data-dir", join(dir, ".data")], {
        dockerHost: engines.manager.host,
        port,
      })
      const d = daemon
      /** The web service's status once a pass that started after `since` has finished. */
      const webAfter = (since: number, done: (web: FleetStatus["services"][number]) => boolean) =>
        eventually(
          "the daemon's status of web",
          async () => {
            const status = await d.status()
            const pass = status.lastPass
            const web = status.services.find((s) => s.name === "web")
            if (pass?.finishedAt === undefined || Date.parse(pass.startedAt) < since || web === undefined)
              return undefined
            if (done(web)) return web
            throw new Error(`last status of web: ${JSON.stringify(web)}`)
          },
          60_000,
        )
      const nodesOf = (web: FleetStatus["services"][number]) =>
        (web.swarm?.tasks ?? [])
          .filter((t) => t.desiredState === "running")
          .map((t) => t.node)
          .sort()

      // Spread over both zones: two tasks on one node, one on the other, and status says where.
      const before = await untilRunningIn(service, ["a", "a", "b"], ["a", "b", "b"])
      const spread = await webAfter(0, (web) => web.swarm?.running === 3)
      expect(spread).toMatchObject({ sync: "Synced", health: "Healthy", swarm: { running: 3, desired: 3 } })
      expect(nodesOf(spread)).toEqual(before.map((t) => hostnames[t.zone as Zone]).sort())
      const version = (await servicesOf(fleet)).get(service)?.version

      await setWorker("drain")
      const drained = Date.now()
      await untilRunningIn(service, ["a", "a", "a"])
      await eventually("the worker's engine to stop the drained tasks", async () =>
        (await containersOn("b", service)) === 0 ? true : undefined,
      )
      expect(await containersOn("a", service)).toBe(3)

      // A later pass sees 3 of 3 running on the manager (one in between may catch the moved
      // task still starting: 2 of 3, health Starting), and fleetd never touched the service.
      const moved = await webAfter(
        drained,
        (web) => web.swarm?.running === 3 && nodesOf(web).every((n) => n === hostnames.a),
      )
      expect(moved).toMatchObject({ sync: "Synced", health: "Healthy", swarm: { running: 3, desired: 3 } })
      expect(nodesOf(moved)).toEqual([hostnames.a, hostnames.a, hostnames.a])
      expect((await servicesOf(fleet)).get(service)?.version).toBe(version)
      expect((await d.status()).lastPass?.changes).toContainEqual(
        expect.objectContaining({ service: "web", outcome: "unchanged" }),
      )
      expect(await planOf(dir)).toEqual({ inSync: true, services: ["unchanged web"] })
    } finally {
      await stopDaemon(daemon)
      await setWorker("active")
    }
  }, 150_000)
})
