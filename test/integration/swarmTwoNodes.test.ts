/**
 * The swarm target on a real two-node swarm (engines.sh's `swarm2`: a manager labelled
 * fleetd.test.zone=a and a worker labelled b, two dockerds in network namespaces of
 * their own). The ServiceSpecs fleetd builds (toServiceSpec.ts), created as its plan
 * (planSwarm.ts) says, place their tasks as `deploy.placement` asks; and when a node is
 * drained, Swarm runs its tasks on the other node while fleetd's plan still finds the
 * fleet converged: every service kept as it is, every replica running.
 *
 * Where a task runs is read from the manager (the task's node) and checked against
 * each node's own engine (the containers it really runs).
 */
import type Docker from "dockerode"
import { afterAll, describe, expect, it } from "vitest"
import { Labels } from "../../src/domain/labels.ts"
import { networkCreateBody } from "../../src/engine/dockerResources.ts"
import { type ObservedSwarmService, planSwarm } from "../../src/planner/planSwarm.ts"
import { eventually } from "../support/daemon.ts"
import { rawClient, swarm2Engines, uniqueFleet } from "../support/testEngines.ts"
import { desired, load } from "../unit/manifest/support.ts"

const engines = swarm2Engines()
const manager = rawClient(engines.manager)
const nodeEngines = { a: manager, b: rawClient(engines.worker) } as const
type Zone = keyof typeof nodeEngines

/** A fleet file on the swarm target: each service sleeps, and stops within a second. */
const fleetOf = (fleet: string, services: Record<string, ReadonlyArray<string>>) => {
  const lines = ["services:"]
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
  return desired(load(lines.join("\n"), { fleet, target: "swarm" }))
}

type DesiredFleet = ReturnType<typeof fleetOf>

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

/** The fleet's services as fleetd observes them. */
const observe = async (fleet: string): Promise<Array<ObservedSwarmService>> => {
  const services = (await manager.listServices({
    filters: JSON.stringify({ label: [`${Labels.fleet}=${fleet}`] }),
  })) as Array<{
    ID: string
    Version: { Index: number }
    Spec: { Name: string; Labels: Record<string, string> }
    UpdateStatus?: { State: string }
  }>
  return services.map((s) => ({
    id: s.ID,
    name: s.Spec.Name,
    version: s.Version.Index,
    labels: s.Spec.Labels,
    ...(s.UpdateStatus ? { updateState: s.UpdateStatus.State } : {}),
  }))
}

/** fleetd's plan for the fleet as it runs now, one line per action: "KeepService web: up to date". */
const planNow = async (d: DesiredFleet) =>
  planSwarm(d, await observe(d.fleet)).map(
    (a) => `${a._tag} ${"service" in a ? a.service : a.name}: ${"reason" in a ? a.reason : ""}`,
  )

/** Carries out fleetd's plan for the fleet: its default overlay network, then the services. */
const deploy = async (d: DesiredFleet) => {
  for (const network of d.networks)
    await manager.createNetwork(networkCreateBody(d.fleet, network) as unknown as Docker.NetworkCreateOptions)
  for (const action of planSwarm(d, await observe(d.fleet))) {
    if (action._tag !== "CreateService") throw new Error(`unexpected first action ${JSON.stringify(action)}`)
    await manager.createService(action.spec as unknown as Docker.CreateServiceOptions)
  }
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
  for (const fleet of fleets) {
    const services = await observe(fleet).catch(() => [])
    await Promise.all(
      services.map((s) =>
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

describe("the swarm target on a two-node swarm", () => {
  it("honours placement constraints and max_replicas_per_node", async () => {
    const fleet = uniqueFleet("s2p")
    fleets.push(fleet)
    const d = fleetOf(fleet, {
      pinned: ["replicas: 2", "placement: {constraints: [node.labels.fleetd.test.zone == b]}"],
      capped: ["replicas: 3", "placement: {max_replicas_per_node: 1}"],
    })
    await deploy(d)

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

    // Placement is Swarm's business: fleetd's plan has nothing to change.
    expect((await planNow(d)).sort()).toEqual([
      "KeepService capped: up to date",
      "KeepService pinned: up to date",
    ])
  }, 90_000)

  it("moves a drained node's tasks to the other node, and the fleet stays converged", async () => {
    const fleet = uniqueFleet("s2d")
    fleets.push(fleet)
    const d = fleetOf(fleet, {
      web: ["replicas: 3", "placement: {preferences: [{spread: node.labels.fleetd.test.zone}]}"],
    })
    const service = `${fleet}_web`
    await deploy(d)
    // Spread over both zones: two tasks on one node, one on the other.
    const before = await untilRunningIn(service, ["a", "a", "b"], ["a", "b", "b"])
    const onWorker = before.filter((t) => t.zone === "b").length
    expect(await containersOn("b", service)).toBe(onWorker)

    await setWorker("drain")
    try {
      await untilRunningIn(service, ["a", "a", "a"])
      await eventually("the worker's engine to stop the drained tasks", async () =>
        (await containersOn("b", service)) === 0 ? true : undefined,
      )
      expect(await containersOn("a", service)).toBe(3)
      // Converged for fleetd: the same spec, 3 of 3 replicas running, nothing to do.
      expect(await planNow(d)).toEqual(["KeepService web: up to date"])
    } finally {
      await setWorker("active")
    }
  }, 120_000)
})
