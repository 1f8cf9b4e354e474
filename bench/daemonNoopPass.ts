/**
 * A no-op pass over 100 services inside the daemon.
 *
 *   node bench/daemonNoopPass.ts [docker|podman] [polls]
 *
 * `fleetd run` with --interval 1s (repository over file://) on a private engine.
 * Once the fleet has converged, /status is read once a second; every pass finished
 * since the previous read gives its `lastPass.durationMs` (a whole daemon pass: git
 * sync, manifest load, observe, plan). fleetd_reconcile_duration_seconds and
 * fleetd_git_fetch_duration_seconds over the same window give the mean pass and the
 * mean fetch, so the source's share can be told from the reconcile's.
 * Target: < 50 ms.
 */
import {
  describe,
  type EngineKind,
  engineHost,
  engineVersion,
  noGate,
  stats,
  verdict,
} from "./support/benchKit.ts"
import { histogram, meanMsBetween, sleep, startBenchDaemon } from "./support/daemonKit.ts"

const kind: EngineKind = process.argv[2] === "podman" ? "podman" : "docker"
const polls = Number(process.argv[3] ?? 20)
const services = 100
const host = engineHost(kind)

console.log(`# no-op pass over ${services} services inside the daemon, --interval 1s, on ${kind}`)
console.log(`engine: ${await engineVersion(host)}`)
const bench = await startBenchDaemon({ what: "dnoop", host, services, interval: "1s", minReady: noGate })
try {
  // The first passes after convergence (JIT, first observation) are warm-ups.
  await sleep(3000)
  const passesBefore = await histogram(bench.daemon, "fleetd_reconcile_duration_seconds")
  const fetchBefore = await histogram(bench.daemon, "fleetd_git_fetch_duration_seconds")
  const samples = new Map<string, number>()
  const results = new Set<string>()
  for (let i = 0; i < polls; i++) {
    await sleep(1000)
    const last = (await bench.daemon.status()).lastPass
    if (last?.durationMs === undefined || last.result === undefined) continue
    samples.set(last.startedAt, last.durationMs)
    results.add(last.result)
  }
  const passesAfter = await histogram(bench.daemon, "fleetd_reconcile_duration_seconds")
  const fetchAfter = await histogram(bench.daemon, "fleetd_git_fetch_duration_seconds")
  const s = stats([...samples.values()])
  console.log(`/status lastPass.durationMs over ${polls} polls (distinct passes): ${describe(s)}`)
  console.log(`  results: ${[...results].join(", ")}  target median < 50 ms: ${verdict(s.median < 50)}`)
  const passMean = meanMsBetween(passesBefore, passesAfter)
  const fetchMean = meanMsBetween(fetchBefore, fetchAfter)
  console.log(
    `fleetd_reconcile_duration_seconds: ${passesAfter.count - passesBefore.count} passes, mean ${passMean.toFixed(1)} ms`,
  )
  console.log(
    `fleetd_git_fetch_duration_seconds: ${fetchAfter.count - fetchBefore.count} fetches, mean ${fetchMean.toFixed(1)} ms ` +
      `(pass minus fetch: ${(passMean - fetchMean).toFixed(1)} ms)`,
  )
} finally {
  await bench.close()
}
