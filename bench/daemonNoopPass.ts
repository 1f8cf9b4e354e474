/**
 * A no-op pass over 100 services inside the daemon.
 *
 *   node bench/daemonNoopPass.ts [docker|podman] [polls] [rounds] [other-checkout ...]
 *
 * `fleetd run` with --interval 1s (repository over file://) on a private engine.
 * Once the fleet has converged, /status is read once a second; every pass finished
 * since the previous read gives its `lastPass.durationMs` (a whole daemon pass: git
 * sync, manifest load, observe, plan). fleetd_reconcile_duration_seconds and
 * fleetd_git_fetch_duration_seconds over the same window give the mean pass and the
 * mean fetch, so the source's share can be told from the reconcile's.
 * Every other-checkout (its bundle built: `npm run build` there) is measured the same
 * way, one daemon at a time (each on a fleet of its own, removed before the next one
 * starts, so the engine never holds more than 100 of them), the order rotating over
 * `rounds` (default 1); the summary gives each checkout's median over its samples. The
 * daemon reaches the engine through a counting socket proxy (a byte pipe), which tells
 * how many container lists the measured passes made.
 * Target: < 50 ms.
 */
import { join } from "node:path"
import {
  countingProxy,
  describe,
  type EngineKind,
  engineHost,
  engineVersion,
  noGate,
  repoRoot,
  shortRequest,
  stats,
  verdict,
} from "./support/benchKit.ts"
import { histogram, meanMsBetween, sleep, startBenchDaemon } from "./support/daemonKit.ts"

const kind: EngineKind = process.argv[2] === "podman" ? "podman" : "docker"
const polls = Number(process.argv[3] ?? 20)
const rounds = Number(process.argv[4] ?? 1)
const checkouts = [repoRoot, ...process.argv.slice(5)]
const services = 100
const host = engineHost(kind)

const measure = async (checkout: string): Promise<ReadonlyArray<number>> => {
  const label = checkout === repoRoot ? "this checkout" : checkout
  console.log(`\n## ${label}`)
  // Only counts the daemon's requests (a byte pipe; both checkouts go through it alike).
  const proxy = await countingProxy(host)
  const bench = await startBenchDaemon({
    what: "dnoop",
    host: proxy.host,
    services,
    interval: "1s",
    minReady: noGate,
    ...(checkout === repoRoot ? {} : { launch: [join(checkout, "bin/fleetd.js")] }),
  })
  try {
    // The first passes after convergence (JIT, first observation) are warm-ups.
    await sleep(3000)
    proxy.take()
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
    const lists = proxy.take().filter((line) => shortRequest(line) === "GET /containers/json").length
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
    console.log(`GET /containers/json over those passes: ${lists}`)
    return [...samples.values()]
  } finally {
    await bench.close()
    await proxy.close()
  }
}

console.log(`# no-op pass over ${services} services inside the daemon, --interval 1s, on ${kind}`)
console.log(`engine: ${await engineVersion(host)}`)
const all = new Map<string, Array<number>>(checkouts.map((c) => [c, []]))
for (let round = 0; round < rounds; round++)
  for (let i = 0; i < checkouts.length; i++) {
    const checkout = checkouts[(i + round) % checkouts.length] ?? repoRoot
    all.get(checkout)?.push(...(await measure(checkout)))
  }
if (checkouts.length > 1 || rounds > 1) {
  console.log(`\n## summary over ${rounds} round(s)`)
  for (const [checkout, samples] of all)
    console.log(`${checkout === repoRoot ? "this checkout" : checkout}: ${describe(stats(samples))}`)
}
