import { describe, expect, it } from "vitest"
import { desired, issues, load } from "./support.ts"

/** The top-level `x-fleetd.update`: fleet-wide rollout defaults that services override field by field. */
const fleet = (top: ReadonlyArray<string>, ...services: ReadonlyArray<string>) =>
  [
    ...(top.length === 0 ? [] : ["x-fleetd:", "  update:", ...top.map((l) => `    ${l}`)]),
    "services:",
    ...services,
  ].join("\n")

const updates = (text: string) =>
  Object.fromEntries(desired(load(text)).services.map((s) => [s.name, s.update]))

describe("fleet-wide x-fleetd.update", () => {
  it.each([
    {
      case: "no block anywhere: fleetd's defaults",
      top: [],
      web: [],
      want: { healthTimeoutMs: 60_000, minReadyMs: 5_000, rollback: true },
    },
    {
      case: "the fleet's fields apply to a service that sets none",
      top: ["order: stop-first", "health_timeout: 2m", "min_ready: 1s", "rollback: false"],
      web: [],
      want: { order: "stop-first", healthTimeoutMs: 120_000, minReadyMs: 1_000, rollback: false },
    },
    {
      case: "a service's field overrides only that field",
      top: ["health_timeout: 2m", "min_ready: 1s", "rollback: false"],
      web: ["min_ready: 0s"],
      want: { healthTimeoutMs: 120_000, minReadyMs: 0, rollback: false },
    },
    {
      case: "a service's order and rollback override the fleet's",
      top: ["order: stop-first", "rollback: false"],
      web: ["order: start-first", "rollback: true"],
      want: { order: "start-first", healthTimeoutMs: 60_000, minReadyMs: 5_000, rollback: true },
    },
    {
      case: "a fleet-wide start-first leaves the order to each service's default",
      top: ["order: start-first"],
      web: [],
      want: { healthTimeoutMs: 60_000, minReadyMs: 5_000, rollback: true },
    },
  ])("$case", ({ top, web, want }) => {
    const serviceBlock =
      web.length === 0 ? [] : ["    x-fleetd:", "      update:", ...web.map((l) => `        ${l}`)]
    const byName = updates(
      fleet(top, "  web:", "    image: busybox", ...serviceBlock, "  db:", "    image: busybox"),
    )
    expect(byName["web"]).toEqual(want)
  })

  it("a fleet-wide start-first does not make a service with fixed host ports start-first", () => {
    const text = fleet(["order: start-first"], "  web:", "    image: busybox", "    ports: ['8080:80']")
    // No order of its own: the planner's stop-first default for fixed host ports decides.
    expect(desired(load(text)).services[0]?.update?.order).toBeUndefined()
  })

  it("reports a bad fleet-wide duration once, at the top-level block", () => {
    const text = fleet(
      ["health_timeout: 0s", "min_ready: 2h"],
      "  a:",
      "    image: busybox",
      "  b:",
      "    image: busybox",
    )
    expect(issues(load(text))).toEqual([
      expect.stringMatching(/x-fleetd\.update\.health_timeout.*health_timeout must be longer than 0s/),
      expect.stringMatching(/x-fleetd\.update\.min_ready.*over the 1h limit/),
    ])
  })

  it("refuses an unknown field and a wrong type in the fleet-wide block, naming them", () => {
    expect(issues(load(fleet(["retries: 3"], "  a:", "    image: busybox")))).toEqual([
      expect.stringMatching(/x-fleetd\.update\.retries is not supported yet/),
    ])
    expect(issues(load("x-fleetd:\n  update: fast\nservices:\n  a:\n    image: busybox\n"))).toEqual([
      expect.stringMatching(/x-fleetd\.update takes a mapping/),
    ])
  })
})

describe("the top-level x-fleetd block", () => {
  it("still names an unknown key and a wrong-typed known one", () => {
    expect(issues(load("x-fleetd:\n  retries: 3\nservices:\n  a:\n    image: busybox\n"))).toEqual([
      expect.stringMatching(/x-fleetd\.retries is not supported yet/),
    ])
    expect(issues(load("x-fleetd:\n  track: latest\nservices:\n  a:\n    image: busybox\n"))).toEqual([
      expect.stringMatching(/x-fleetd\.track/),
    ])
  })
})
