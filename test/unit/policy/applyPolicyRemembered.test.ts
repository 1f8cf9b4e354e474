import { describe, expect, it } from "vitest"
import { applyPolicy } from "../../../src/policy/applyPolicy.ts"
import { desired, load } from "../manifest/support.ts"

/**
 * applyPolicy remembers its outcome for a desired state and policy it has seen (the daemon
 * checks the same loaded manifest every pass). A different policy object, or a new
 * desired state, is checked afresh.
 */
describe("applyPolicy on a state it has seen", () => {
  const state = desired(
    load("services:\n  web:\n    image: busybox\n    privileged: true\n  db:\n    image: busybox\n"),
  )

  it("gives the same outcome for the same state and policy", () => {
    const policy = {}
    const first = applyPolicy(state, policy)
    expect(first.violations.map((v) => v.service)).toEqual(["web"])
    expect(applyPolicy(state, policy)).toBe(first)
  })

  it("checks again against another policy, and a state it has not seen", () => {
    const denying = applyPolicy(state, {})
    const allowing = applyPolicy(state, { allow: { privileged: true } })
    expect(allowing.violations).toEqual([])
    expect(allowing.desired.services.every((s) => s.blocked === undefined)).toBe(true)
    // Back to a denying policy (a new object, as a reloaded config gives): blocked again.
    expect(applyPolicy(state, {}).violations.map((v) => v.service)).toEqual(["web"])
    const other = desired(load("services:\n  web:\n    image: busybox\n"))
    expect(applyPolicy(other, {}).violations).toEqual([])
    expect(denying.desired.services.find((s) => s.name === "web")?.blocked).toBeDefined()
  })
})
