import { describe, expect, it } from "vitest"
import { desired, issues, load } from "./support.ts"

/** `x-fleetd.self`: the service that runs fleetd, updated by a handover (docs/self-update.md). */
const fleet = (...lines: ReadonlyArray<string>) => ["services:", ...lines].join("\n")

describe("x-fleetd.self", () => {
  it("marks the service without changing its hash", () => {
    const plain = desired(load(fleet("  fleetd:", "    image: fleetd:1")))
    const marked = desired(
      load(fleet("  fleetd:", "    image: fleetd:1", "    x-fleetd:", "      self: true")),
    )
    expect(marked.services[0]?.self).toBe(true)
    expect(plain.services[0]?.self).toBeUndefined()
    expect(marked.services[0]?.configHash).toBe(plain.services[0]?.configHash)
  })

  it("is refused on two services, with network_mode: host and with hooks, at its position", () => {
    const text = fleet(
      "  a:",
      "    image: fleetd:1",
      "    network_mode: host",
      "    x-fleetd: { self: true }",
      "  b:",
      "    image: fleetd:1",
      "    x-fleetd:",
      "      self: true",
      "      hooks: { post_deploy: [{ exec: { command: [echo] } }] }",
    )
    expect(issues(load(text))).toEqual([
      "fleet.yaml:5:23: services.a.x-fleetd.self: x-fleetd.self is set on a and b: only one service runs fleetd",
      expect.stringContaining("services.a.x-fleetd.self: x-fleetd.self cannot go with network_mode: host"),
      "fleet.yaml:9:13: services.b.x-fleetd.self: x-fleetd.self is set on a and b: only one service runs fleetd",
      expect.stringContaining("services.b.x-fleetd.self: x-fleetd.self cannot go with x-fleetd.hooks"),
    ])
  })
})
