import { assert, describe, it } from "@effect/vitest"
import type { ServiceStatus } from "../../src/domain/FleetStatus.ts"
import type { ChangeSet } from "../../src/reconciler/ChangeSet.ts"
import { serviceStatuses } from "../../src/reconciler/serviceStatuses.ts"
import { desired, running, service } from "../support/fixtures.ts"

/**
 * serviceStatuses matches each service with its result, its previous status and its
 * container by name. It indexes them once (a scan per service made a 1,000-service pass
 * quadratic); these pin that every service still gets its own, whatever the order.
 */
const names = Array.from({ length: 300 }, (_, i) => `svc${i}`)
const services = names.map((n) => service(n))
const state = desired(services)
const changes = (results: ChangeSet["services"]): ChangeSet => ({
  fleet: "t",
  revision: "rev2",
  services: results,
  resources: [],
})

describe("serviceStatuses at scale", () => {
  it("gives each of many services its own container, result and previous status, in any order", () => {
    // Containers, results and previous statuses listed in reverse: nothing relies on order.
    const observed = [...services]
      .reverse()
      .map((s, i) => running(s, { state: i % 3 === 0 ? "exited" : "running" }))
    const results = [...names].reverse().map((n, i) => ({
      service: n,
      outcome: i % 2 === 0 ? ("unchanged" as const) : ("replaced" as const),
    }))
    const previous: ReadonlyArray<ServiceStatus> = [...names].reverse().map((n) => ({
      name: n,
      image: "fleetd-test/app:v1",
      sync: "Synced",
      health: "Healthy",
      lastChange: { at: `earlier-${n}`, outcome: "created", revision: "rev1" },
    }))
    const statuses = serviceStatuses(state, observed, changes(results), previous, "now")
    assert.strictEqual(statuses.length, names.length)
    statuses.forEach((status, i) => {
      const name = names[i] ?? ""
      const reversed = names.length - 1 - i
      assert.strictEqual(status.name, name)
      assert.strictEqual(status.container, `t-${name}`)
      if (reversed % 2 === 0) {
        // unchanged: health from its own container, last change carried over
        assert.strictEqual(status.health, reversed % 3 === 0 ? "Unhealthy" : "Healthy")
        assert.strictEqual(status.lastChange?.at, `earlier-${name}`)
      } else {
        assert.deepInclude(status.lastChange, { at: "now", outcome: "replaced", revision: "rev2" })
      }
    })
  })

  it("takes the first of duplicate entries, as before, and reports a service without a container as Missing", () => {
    const [a, b] = services
    if (a === undefined || b === undefined) throw new Error("fixture")
    const observed = [running(a, { state: "exited" }), running(a, { state: "running" })]
    const results = [
      { service: a.name, outcome: "unchanged" as const },
      { service: a.name, outcome: "replaced" as const },
    ]
    const [first, second] = serviceStatuses(desired([a, b]), observed, changes(results), [], "now")
    assert.deepInclude(first, { name: a.name, sync: "Synced", health: "Unhealthy" })
    assert.deepInclude(second, { name: b.name, sync: "Synced", health: "Missing" })
    assert.strictEqual(second?.container, undefined)
  })
})
