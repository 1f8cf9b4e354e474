import { describe, expect, it } from "vitest"
import { toServiceSpec } from "../../src/engine/swarm/toServiceSpec.ts"
import { type ObservedSwarmService, planSwarm } from "../../src/planner/planSwarm.ts"
import { desired, load } from "./manifest/support.ts"

const fleetOf = (env: string) =>
  desired(
    load(
      `services:\n  web:\n    image: busybox\n    environment: {A: '${env}'}\n    deploy: {replicas: 2}\n`,
      {
        target: "swarm",
      },
    ),
  )
const hashOf = (env: string) => {
  const d = fleetOf(env)
  return toServiceSpec(d.fleet, d.services[0]!).hash
}
const observed = (
  name: string,
  labels: Record<string, string>,
  extra: Partial<ObservedSwarmService> = {},
) => ({
  id: `id-${name}`,
  name,
  version: 7,
  labels,
  ...extra,
})
const owned = (service: string, hash: string) => ({
  "fleetd.fleet": "demo",
  "fleetd.service": service,
  "fleetd.spec-hash": hash,
})
const summary = (actions: ReturnType<typeof planSwarm>) =>
  actions.map((a) =>
    a._tag === "CreateService"
      ? `create ${a.service}`
      : a._tag === "UpdateService"
        ? `update ${a.service} ${a.id}@${a.version}: ${a.reason}`
        : a._tag === "RemoveService"
          ? `remove ${a.name}: ${a.reason}`
          : `keep ${a.service}: ${a.reason}`,
  )

describe("planSwarm", () => {
  it("creates a missing service, keeps an unchanged one and updates a changed one at its version", () => {
    expect(summary(planSwarm(fleetOf("1"), []))).toEqual(["create web"])
    expect(summary(planSwarm(fleetOf("1"), [observed("demo_web", owned("web", hashOf("1")))]))).toEqual([
      "keep web: up to date",
    ])
    expect(summary(planSwarm(fleetOf("2"), [observed("demo_web", owned("web", hashOf("1")))]))).toEqual([
      "update web id-demo_web@7: spec changed",
    ])
  })

  it("removes owned services the file no longer has, and never touches unmanaged ones", () => {
    const services = [
      observed("demo_web", owned("web", hashOf("1"))),
      observed("demo_old", owned("old", "x")),
      // Unmanaged: no label, another fleet's, or a name fleetd would use but without its label.
      observed("demo_manual", {}),
      observed("other_web", { "fleetd.fleet": "other", "fleetd.service": "web" }),
    ]
    expect(summary(planSwarm(fleetOf("1"), services))).toEqual([
      "keep web: up to date",
      "remove demo_old: orphan",
    ])
    const adopted = planSwarm(fleetOf("1"), [observed("demo_web", {})])
    // An unlabelled service under fleetd's name is not adopted: creating it makes the engine say the name is taken.
    expect(summary(adopted)).toEqual(["create web"])
  })

  it("does not replay an update Swarm rolled back, until the file changes", () => {
    const rolledBack = [
      observed("demo_web", owned("web", hashOf("1")), { updateState: "rollback_completed" }),
    ]
    const held = new Map([["web", hashOf("2")]])
    expect(summary(planSwarm(fleetOf("2"), rolledBack, held))).toEqual([
      "keep web: Swarm rolled this spec back; not retried until fleet.yaml changes it",
    ])
    expect(summary(planSwarm(fleetOf("3"), rolledBack, held))).toEqual([
      "update web id-demo_web@7: spec changed",
    ])
    // Without the memory (a restarted fleetd), one more attempt is made, and rolled back again.
    expect(summary(planSwarm(fleetOf("2"), rolledBack))).toEqual(["update web id-demo_web@7: spec changed"])
  })

  it("leaves blocked and suspended services exactly as they are", () => {
    const d = fleetOf("2")
    const blocked = { ...d, services: [{ ...d.services[0]!, blocked: "policy: denied" }] }
    expect(summary(planSwarm(blocked, [observed("demo_web", owned("web", hashOf("1")))]))).toEqual([
      "keep web: policy: denied",
    ])
    expect(summary(planSwarm(blocked, []))).toEqual(["keep web: policy: denied"])
  })
})
