/**
 * The ServiceSpec fleetd builds for the swarm target (toServiceSpec.ts), sent as is to
 * a real single-node Swarm manager: the engine accepts it, runs the replicas it asks
 * for, and rolls a crash-looping update back by itself when update_config says
 * failure_action: rollback, on the overlay network it asks for. This is the contract `fleetd run --swarm` will build on.
 */
import type Docker from "dockerode"
import { afterAll, describe, expect, it } from "vitest"
import { networkCreateBody } from "../../src/engine/dockerResources.ts"
import { toServiceSpec } from "../../src/engine/swarm/toServiceSpec.ts"
import { rawClient, swarmEngine, uniqueFleet } from "../support/testEngines.ts"
import { desired, load } from "../unit/manifest/support.ts"

const engine = swarmEngine()
const docker = rawClient(engine)
const fleet = uniqueFleet("sw")

const fleetFor = (command: string) => {
  const text = [
    "services:",
    "  app:",
    "    image: fleetd-test/app:v1",
    `    command: ${command}`,
    "    environment: {GREETING: hello}",
    "    deploy:",
    "      replicas: 2",
    "      restart_policy: {condition: any, delay: 0s}",
    "      update_config: {parallelism: 2, monitor: 3s, failure_action: rollback}",
    "      rollback_config: {parallelism: 2}",
  ].join("\n")
  return desired(load(text, { fleet, target: "swarm" }))
}

const tasks = async (service: string) =>
  (await docker.listTasks({ filters: JSON.stringify({ service: [service] }) })) as ReadonlyArray<{
    readonly Status: { readonly State: string; readonly Err?: string }
    readonly DesiredState: string
    readonly Spec: { readonly ContainerSpec: { readonly Args?: ReadonlyArray<string> } }
  }>

const until = async <A>(
  what: string,
  check: () => Promise<A>,
  done: (a: A) => boolean,
  timeoutMs: number,
) => {
  const deadline = Date.now() + timeoutMs
  let last = await check()
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, 500))
    last = await check()
  }
  return last
}

const specFor = (command: string) => {
  const d = fleetFor(command)
  return toServiceSpec(d.fleet, d.services[0]!).spec
}

afterAll(async () => {
  const services = (await docker.listServices({
    filters: JSON.stringify({ label: [`fleetd.fleet=${fleet}`] }),
  })) as Array<{
    ID: string
  }>
  await Promise.all(
    services.map((s) => (docker.getService(s.ID) as Docker.Service).remove().catch(() => undefined)),
  )
  // A network stays in use until the removed services' tasks are gone, and a removed
  // swarm network lingers in listings for a moment: retry until none is listed.
  const left = async () =>
    (await docker.listNetworks({ filters: JSON.stringify({ label: [`fleetd.fleet=${fleet}`] }) })).map(
      (n) => n.Id,
    )
  await until(
    "the fleet's networks to be removed",
    async () => {
      await Promise.all(
        (await left()).map((id) =>
          docker
            .getNetwork(id)
            .remove()
            .catch(() => undefined),
        ),
      )
      return left()
    },
    (ids) => ids.length === 0,
    30_000,
  ).catch(() => undefined)
}, 40_000)

describe("the swarm target's ServiceSpec on a real Swarm", () => {
  it("runs the replicas it asks for, and Swarm rolls back a crash-looping update", async () => {
    // The fleet's default network, as the single-engine code creates it: overlay on the swarm target.
    const [network] = fleetFor("[sleep, '1000']").networks
    expect(network?.driver).toBe("overlay")
    await docker.createNetwork(networkCreateBody(fleet, network!) as unknown as Docker.NetworkCreateOptions)
    const first = specFor("[sleep, '1000']")
    const created = (await docker.createService(first as unknown as Docker.CreateServiceOptions)) as {
      id: string
    }
    const service = docker.getService(created.id) as Docker.Service
    const running = await until(
      "2 running tasks",
      () => tasks(created.id),
      (ts) => ts.filter((t) => t.Status.State === "running").length === 2,
      30_000,
    )
    expect(running.every((t) => t.Spec.ContainerSpec.Args?.join(" ") === "sleep 1000")).toBe(true)
    const inspected = (await service.inspect()) as {
      Version: { Index: number }
      Spec: { Labels: Record<string, string> }
    }
    expect(inspected.Spec.Labels["fleetd.fleet"]).toBe(fleet)
    expect(inspected.Spec.Labels["fleetd.spec-hash"]).toBe(first.Labels["fleetd.spec-hash"])

    const crashing = specFor("[sh, -c, 'exit 3']")
    await service.update({ ...crashing, version: inspected.Version.Index } as unknown as Docker.ServiceSpec)
    const status = await until(
      "Swarm to roll the update back",
      async () => ((await service.inspect()) as { UpdateStatus?: { State: string } }).UpdateStatus?.State,
      (state) => state === "rollback_completed" || state === "paused",
      90_000,
    )
    expect(status).toBe("rollback_completed")
    const after = (await service.inspect()) as {
      Spec: { Labels: Record<string, string> }
      PreviousSpec?: { Labels: Record<string, string> }
    }
    // Swarm put the first spec back, hash label and all, and forgot the failed one (no
    // PreviousSpec): fleetd must remember what was rolled back itself (planSwarm's `held`).
    expect(after.Spec.Labels["fleetd.spec-hash"]).toBe(first.Labels["fleetd.spec-hash"])
    expect(after.PreviousSpec).toBeUndefined()
    const failed = (await tasks(created.id)).filter((t) => t.Status.State === "failed")
    expect(failed.length).toBeGreaterThan(0)
    expect(failed[0]!.Status.Err).toContain("non-zero exit (3)")
  }, 150_000)
})
