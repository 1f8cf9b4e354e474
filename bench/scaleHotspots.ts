/**
 * The per-pass bookkeeping that grew faster than the fleet (found with bench/scale.ts),
 * timed in-process for several checkouts side by side.
 *
 *   node bench/scaleHotspots.ts [checkout ...]      (default: this one)
 *
 * For 100, 1,000 and 5,000 services: `serviceStatuses` (the status of every service after
 * a no-op pass, from the pass's results, the previous statuses and the observed containers)
 * and the metrics' `setServices` (the per-service sync and health gauges, written again with
 * the same statuses, as every no-op pass does). Medians of 40 calls after one warm-up.
 * A checkout is a directory with fleetd's src/ (e.g. `git archive` of an older commit).
 */
import { resolve } from "node:path"
import { Effect } from "effect"
import { desired, running, service } from "../test/support/fixtures.ts"
import { repoRoot, stats } from "./support/benchKit.ts"

const checkouts = process.argv.length > 2 ? process.argv.slice(2) : [repoRoot]
const sizes = [100, 1000, 5000]

const median = (run: () => void): number => {
  run()
  const samples: Array<number> = []
  for (let i = 0; i < 40; i++) {
    const started = performance.now()
    run()
    samples.push(performance.now() - started)
  }
  return stats(samples).median
}

console.log("# per-pass bookkeeping by fleet size, median ms of 40 calls")
console.log("checkout | services | serviceStatuses | metrics setServices")
for (const checkout of checkouts) {
  const root = `${resolve(checkout)}/`
  const { serviceStatuses } = await import(`${root}src/reconciler/serviceStatuses.ts`)
  const { makeMetricsRegistry } = await import(`${root}src/observability/MetricsRegistry.ts`)
  for (const n of sizes) {
    const services = Array.from({ length: n }, (_, i) => service(`s${i}`))
    const state = desired(services)
    const observed = services.map((s) => running(s))
    const changes = {
      fleet: "t",
      revision: "r",
      services: services.map((s) => ({ service: s.name, outcome: "unchanged" })),
      resources: [],
    }
    const previous = serviceStatuses(state, observed, changes, [], "now")
    const statusMs = median(() => serviceStatuses(state, observed, changes, previous, "now"))
    const metrics = makeMetricsRegistry().forSource("default")
    const gauges = services.map((s) => ({ fleet: "t", service: s.name, sync: "Synced", health: "Healthy" }))
    const metricsMs = median(() => Effect.runSync(metrics.setServices(gauges)))
    console.log(`${checkout} | ${n} | ${statusMs.toFixed(2)} | ${metricsMs.toFixed(2)}`)
  }
}
