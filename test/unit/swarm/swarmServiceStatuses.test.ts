import { describe, expect, it } from "vitest"
import type { ServiceStatus } from "../../../src/domain/FleetStatus.ts"
import type { ObservedTask } from "../../../src/domain/ObservedSwarm.ts"
import { taskFailures } from "../../../src/reconciler/runSwarmAction.ts"
import { swarmFacts, withSwarmFacts } from "../../../src/reconciler/swarmServiceStatuses.ts"
import { desired, load } from "../manifest/support.ts"

const task = (id: string, extra: Partial<ObservedTask>): ObservedTask => ({
  id,
  serviceId: "s1",
  node: "node-a",
  desiredState: "running",
  state: "running",
  at: "2026-12-04T10:00:00Z",
  ...extra,
})
const service = { id: "s1", name: "demo_web", version: 3, labels: {}, replicas: 2 }

describe("swarmFacts", () => {
  it("counts running tasks against the replicas, and lists the wanted tasks then the newest failures", () => {
    const facts = swarmFacts(service, [
      task("t2", { slot: 2, node: "node-b" }),
      task("t1", { slot: 1 }),
      task("old", { desiredState: "shutdown", state: "failed", error: "exit 3", at: "2026-12-04T09:00:00Z" }),
      task("older", {
        desiredState: "shutdown",
        state: "failed",
        error: "exit 3",
        at: "2026-12-04T08:00:00Z",
      }),
      task("other", { serviceId: "s2" }),
    ])
    expect(facts.running).toBe(2)
    expect(facts.desired).toBe(2)
    expect(facts.tasks.map((t) => `${t.id}@${t.node}:${t.state}`)).toEqual([
      "t1@node-a:running",
      "t2@node-b:running",
      "old@node-a:failed",
    ])
  })

  it("takes a global service's desired count from its tasks", () => {
    const { replicas: _, ...global } = service
    expect(swarmFacts(global, [task("t1", {}), task("t2", { state: "preparing" })])).toMatchObject({
      running: 1,
      desired: 2,
    })
  })
})

describe("taskFailures", () => {
  it("keeps failed and rejected tasks with an error, newest first, each error once", () => {
    const failures = taskFailures([
      task("a", { state: "failed", error: "exit 3", at: "1" }),
      task("b", { state: "rejected", error: "no such image", at: "3" }),
      task("c", { state: "failed", error: "exit 3", at: "2" }),
      task("d", { state: "running" }),
    ])
    expect(failures.map((t) => t.id)).toEqual(["b", "c"])
  })
})

describe("withSwarmFacts", () => {
  const d = desired(load("services:\n  web:\n    image: busybox\n", { fleet: "demo", target: "swarm" }))
  const synced: ServiceStatus = { name: "web", image: "busybox", sync: "Synced", health: "Missing" }

  it("gives the health from the tasks: Healthy when all run, Starting while one prepares, Unhealthy else", () => {
    const health = (tasks: ReadonlyArray<ObservedTask>) =>
      withSwarmFacts(d, [synced], { services: [service], tasks }, "now")[0]?.health
    expect(health([task("t1", {}), task("t2", {})])).toBe("Healthy")
    expect(health([task("t1", {}), task("t2", { state: "preparing" })])).toBe("Starting")
    expect(health([task("t1", {}), task("t2", { state: "failed", desiredState: "shutdown" })])).toBe(
      "Unhealthy",
    )
    expect(withSwarmFacts(d, [synced], { services: [], tasks: [] }, "now")[0]?.health).toBe("Missing")
  })

  it("reports an update Swarm paused as Failed, with Swarm's message", () => {
    const paused = { ...service, updateState: "paused", updateMessage: "update paused due to failure" }
    const [status] = withSwarmFacts(d, [synced], { services: [paused], tasks: [] }, "now")
    expect(status?.sync).toBe("Failed")
    expect(status?.lastError?.message).toBe("Swarm paused the update (update paused due to failure)")
    expect(status?.swarm?.update).toEqual({ state: "paused", message: "update paused due to failure" })
  })
})
