/**
 * An idle daemon: 50 services, a 5 s poll interval, over 60 s.
 *
 *   node bench/idleDaemon.ts [seconds]
 *
 * `fleetd run` on the private dockerd, repository over file://, --interval 5s. Once
 * the fleet has converged (and a few more seconds, so start-up garbage is not
 * counted), /proc/<pid>/stat and /proc/<pid>/status are sampled at the start and end
 * of the window, and RSS every 5 s in between. Nothing is requested from the daemon
 * during the window (a /status poll would cost it CPU); its passes are read from its
 * JSON logs afterwards. Targets: RSS < 120 MB, CPU < 2 % of one core.
 */
import { describe, engineHost, noGate, stats, verdict } from "./support/benchKit.ts"
import {
  awaitPassSpacing,
  cpuPercent,
  histogram,
  mb,
  meanMsBetween,
  passRecords,
  procSample,
  sleep,
  startBenchDaemon,
} from "./support/daemonKit.ts"

const seconds = Number(process.argv[2] ?? 60)
const services = 50
const host = engineHost("docker")

console.log(`# idle daemon: ${services} services, --interval 5s, ${seconds} s window, on docker`)
const bench = await startBenchDaemon({ what: "idle", host, services, interval: "5s", minReady: noGate })
try {
  await sleep(6000)
  const passesBefore = await histogram(bench.daemon, "fleetd_reconcile_duration_seconds")
  const first = procSample(bench.pid)
  const windowStart = Date.now()
  const rss = [first.rssKb]
  for (let t = 5; t <= seconds; t += 5) {
    await sleep(first.at + t * 1000 - performance.now())
    rss.push(procSample(bench.pid).rssKb)
  }
  const last = procSample(bench.pid)
  const windowEnd = Date.now()
  const passesAfter = await histogram(bench.daemon, "fleetd_reconcile_duration_seconds")
  const inWindow = passRecords(bench.daemon.logs()).filter((p) => p.at >= windowStart && p.at <= windowEnd)
  const cpu = cpuPercent(first, last)
  const rssMax = Math.max(...rss)

  console.log(`pid ${bench.pid}, window ${((last.at - first.at) / 1000).toFixed(1)} s`)
  console.log(
    `CPU: ${(last.cpuSeconds - first.cpuSeconds).toFixed(2)} s user+system = ${cpu.toFixed(2)} % of one core  target < 2 %: ${verdict(cpu < 2)}`,
  )
  console.log(
    `RSS: start ${mb(first.rssKb)}, end ${mb(last.rssKb)}, max of ${rss.length} samples ${mb(rssMax)}, ` +
      `peak since start (VmHWM) ${mb(last.hwmKb)}  target < 120 MB: ${verdict(rssMax < 120 * 1024)}`,
  )
  console.log(
    `passes in the window: ${inWindow.length} (${[...new Set(inWindow.flatMap((p) => p.triggers))].join(", ")}), ` +
      `${inWindow.filter((p) => p.message !== "pass: in sync").length} with changes`,
  )
  console.log(`  per pass (logs): ${describe(stats(inWindow.map((p) => p.durationMs)))}`)
  console.log(
    `  per pass (fleetd_reconcile_duration_seconds, mean of ${passesAfter.count - passesBefore.count}): ${meanMsBetween(passesBefore, passesAfter).toFixed(1)} ms`,
  )
  await awaitPassSpacing(bench.daemon, 0)
  const status = await bench.daemon.status()
  console.log(`  /status lastPass: ${status.lastPass?.durationMs} ms, ${status.lastPass?.result}`)
} finally {
  await bench.close()
}
