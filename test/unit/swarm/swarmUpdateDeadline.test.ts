import { describe, expect, it } from "vitest"
import { toServiceSpec } from "../../../src/engine/swarm/toServiceSpec.ts"
import {
  maxDeadlineMs,
  minDeadlineMs,
  settleMs,
  startAllowanceMs,
  swarmUpdateDeadlineMs,
} from "../../../src/planner/swarmUpdateDeadline.ts"
import { desired, load } from "../manifest/support.ts"

const specOf = (deploy: string, extra = "") => {
  const d = desired(
    load(`services:\n  web:\n    image: busybox\n${extra}    deploy:\n${deploy}`, { target: "swarm" }),
  )
  return toServiceSpec(d.fleet, d.services[0]!).spec
}

describe("swarmUpdateDeadlineMs", () => {
  it.each([
    {
      what: "Swarm's defaults: one task per batch, 5 s monitor, 10 s grace, for update and rollback",
      deploy: "      replicas: 2\n",
      replicas: 2,
      expected: 2 * 2 * (10_000 + startAllowanceMs + 5000) + settleMs,
    },
    {
      what: "parallelism 2 over 4 replicas: two batches each way, with the delay and monitor given",
      deploy:
        "      replicas: 4\n      update_config: {parallelism: 2, delay: 2s, monitor: 3s}\n      rollback_config: {parallelism: 4}\n",
      replicas: 4,
      expected:
        2 * (10_000 + startAllowanceMs + 3000 + 2000) + 1 * (10_000 + startAllowanceMs + 5000) + settleMs,
    },
    {
      what: "parallelism 0 updates every task at once: one batch",
      deploy:
        "      replicas: 50\n      update_config: {parallelism: 0}\n      rollback_config: {parallelism: 0}\n",
      replicas: 50,
      expected: 2 * (10_000 + startAllowanceMs + 5000) + settleMs,
    },
  ])("$what", ({ deploy, replicas, expected }) => {
    expect(swarmUpdateDeadlineMs(specOf(deploy), replicas)).toBe(expected)
  })

  it("counts the stop grace period the file gives", () => {
    const short = swarmUpdateDeadlineMs(specOf("      replicas: 1\n", "    stop_grace_period: 1s\n"), 1)
    expect(short).toBe(2 * (1000 + startAllowanceMs + 5000) + settleMs)
  })

  it("is bounded both ways: never for ever, never too short to read the end", () => {
    expect(swarmUpdateDeadlineMs(specOf("      replicas: 1000\n"), 1000)).toBe(maxDeadlineMs)
    expect(swarmUpdateDeadlineMs(specOf("      replicas: 0\n"), 0)).toBeGreaterThanOrEqual(minDeadlineMs)
  })
})
