import { describe, expect, it } from "vitest"
import { planSwarm } from "../../../src/planner/planSwarm.ts"
import { applyPolicy } from "../../../src/policy/applyPolicy.ts"
import { emptyPolicy } from "../../../src/policy/Policy.ts"
import { desired, load } from "../manifest/support.ts"

const swarmFleet = (service: string) =>
  desired(load(`services:\n  web:\n    image: busybox\n${service}`, { fleet: "shop", target: "swarm" }))

describe("the operator policy on the swarm target", () => {
  it.each([
    ["an added capability", "    cap_add: [NET_ADMIN]\n"],
    ["a bind mount outside the allow-list", "    volumes: ['/etc:/host-etc:ro']\n"],
    ["the host network of a global service", "    network_mode: host\n    deploy: {mode: global}\n"],
  ])("blocks %s, and the plan keeps the service as it runs", (_, yaml) => {
    const policed = applyPolicy(swarmFleet(yaml), emptyPolicy)
    expect(policed.violations.length).toBeGreaterThan(0)
    const running = {
      id: "s1",
      name: "shop_web",
      version: 2,
      labels: { "fleetd.fleet": "shop", "fleetd.spec-hash": "old" },
    }
    const [action] = planSwarm(policed.desired, [running])
    expect(action).toMatchObject({ _tag: "KeepService", service: "web", outcome: "blocked" })
  })
})
