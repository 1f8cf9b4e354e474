/**
 * Idle daemons: 50 services each, a 5 s poll interval, as the image runs them.
 *
 *   node bench/idleDaemon.ts [seconds] [docker|podman] [rounds] [other-checkout ...]
 *
 * Every variant is a `fleetd run` of its own fleet on the same engine, repository over
 * file://, --interval 5s, launched the way that checkout's Dockerfile launches it: `node`,
 * the ENTRYPOINT's Node flags, `dist/fleetd.js`, NODE_ENV=production. A checkout whose
 * ENTRYPOINT carries flags is also run without them (what `fleetd run` from a shell got).
 * The variants run side by side: all are started and converged, then (a few seconds later,
 * so start-up garbage is not counted) sampled in the same window from /proc only: CPU at
 * its start and end, RSS every 5 s; nothing is requested from the daemons meanwhile. This
 * repeats `rounds` times (default 3) with fresh daemons; the figures are medians over the
 * rounds. BENCH_IDLE_FLAGS="--a --b;--c;NAME=value --d" adds variants of this checkout with
 * those Node flags and environment variables (diagnosis). Build each checkout's bundle
 * first (`npm run build`). CPU is the daemon's own (utime+stime); its git children's
 * (cutime+cstime, counted as each exits) is printed beside it.
 * Targets (issue 11): RSS < 80 MB, CPU < 0.5 % of one core.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { engineHost, noGate, removeFleet, repoRoot, stats, verdict } from "./support/benchKit.ts"
import {
  type BenchDaemon,
  childCpuPercent,
  cpuPercent,
  mb,
  passRecords,
  procSample,
  sleep,
  startBenchDaemon,
} from "./support/daemonKit.ts"

const seconds = Number(process.argv[2] ?? 60)
const engine = (process.argv[3] ?? "docker") as "docker" | "podman"
const rounds = Number(process.argv[4] ?? 3)
const checkouts = [repoRoot, ...process.argv.slice(5)]
const services = 50
const host = engineHost(engine)

/** The Node flags of the checkout's image: ENTRYPOINT ["node", flags..., "dist/fleetd.js"]. */
const imageFlags = (checkout: string): ReadonlyArray<string> => {
  const entry = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(readFileSync(join(checkout, "Dockerfile"), "utf8"))?.[1]
  const words: ReadonlyArray<string> = entry === undefined ? [] : JSON.parse(entry)
  return words.slice(1).filter((w) => w.startsWith("-"))
}

interface Variant {
  readonly name: string
  readonly launch: ReadonlyArray<string>
  readonly env?: Record<string, string>
}

/** "NAME=value --flag" → the Node flags and the environment variables. */
const flagsAndEnv = (words: ReadonlyArray<string>) => ({
  flags: words.filter((w) => w.startsWith("-")),
  env: Object.fromEntries(
    words
      .filter((w) => !w.startsWith("-") && w.includes("="))
      .map((w) => [w.split("=")[0], w.slice(w.indexOf("=") + 1)]),
  ),
})

const variants: ReadonlyArray<Variant> = checkouts.flatMap((checkout, i) => {
  const label = i === 0 ? "this checkout" : checkout
  const bundle = join(checkout, "dist/fleetd.js")
  const flags = imageFlags(checkout)
  const asImage = { name: `${label}, as its image (node ${flags.join(" ")})`, launch: [...flags, bundle] }
  const extra = i === 0 ? (process.env.BENCH_IDLE_FLAGS ?? "").split(";").filter((f) => f.trim() !== "") : []
  return [
    asImage,
    ...(flags.length > 0 ? [{ name: `${label}, no flags`, launch: [bundle] }] : []),
    ...extra.map((f) => {
      const { flags, env } = flagsAndEnv(f.trim().split(/\s+/))
      return { name: `${label}, ${f.trim()}`, launch: [...flags, bundle], env }
    }),
  ]
})

interface Figures {
  readonly rssMedianKb: number
  readonly rssMaxKb: number
  readonly cpuPercent: number
  readonly childCpuPercent: number
  readonly passes: number
  /** Median duration of those passes (the daemon's own log line), ms. */
  readonly passMs: number
}

console.log(
  `# idle daemons: ${services} services each, --interval 5s, ${seconds} s window, ${rounds} rounds, on ${engine}`,
)
const results = new Map<string, Array<Figures>>(variants.map((v) => [v.name, []]))
for (let round = 1; round <= rounds; round++) {
  const daemons: Array<BenchDaemon> = []
  try {
    for (const v of variants)
      daemons.push(
        await startBenchDaemon({
          what: "idle",
          host,
          services,
          interval: "5s",
          minReady: noGate,
          launch: v.launch,
          env: { NODE_ENV: "production", ...v.env },
        }),
      )
    await sleep(6000)
    const first = daemons.map((d) => procSample(d.pid))
    const windowStart = Date.now()
    const rss = daemons.map((_, i) => [first[i]?.rssKb ?? Number.NaN])
    const t0 = performance.now()
    for (let t = 5; t < seconds; t += 5) {
      await sleep(t0 + t * 1000 - performance.now())
      for (const [i, d] of daemons.entries()) rss[i]?.push(procSample(d.pid).rssKb)
    }
    await sleep(t0 + seconds * 1000 - performance.now())
    const last = daemons.map((d) => procSample(d.pid))
    const windowEnd = Date.now()
    variants.forEach((v, i) => {
      const samples = [...(rss[i] ?? []), last[i]?.rssKb ?? Number.NaN]
      const from = first[i]
      const to = last[i]
      const d = daemons[i]
      if (from === undefined || to === undefined || d === undefined) return
      const inWindow = passRecords(d.daemon.logs()).filter((p) => p.at >= windowStart && p.at <= windowEnd)
      const figures: Figures = {
        rssMedianKb: stats(samples).median,
        rssMaxKb: Math.max(...samples),
        cpuPercent: cpuPercent(from, to),
        childCpuPercent: childCpuPercent(from, to),
        passes: inWindow.length,
        passMs: stats(inWindow.map((p) => p.durationMs)).median,
      }
      results.get(v.name)?.push(figures)
      console.log(
        `round ${round}: ${v.name}: RSS median ${mb(figures.rssMedianKb)}, max ${mb(figures.rssMaxKb)}; ` +
          `CPU ${figures.cpuPercent.toFixed(2)} % (its git children ${figures.childCpuPercent.toFixed(2)} %); ${figures.passes} passes, median ${figures.passMs} ms`,
      )
    })
  } finally {
    // A busy engine may still hold a network's endpoints: try once more, then say what is left.
    for (const d of daemons)
      await d.close().catch(async () => {
        await sleep(5000)
        await removeFleet(host, d.fleet).catch((e) => console.error(`fleet ${d.fleet} left behind: ${e}`))
      })
  }
}

console.log(`\n# medians over ${rounds} rounds (RSS: median of each round's samples; CPU: % of one core)`)
for (const v of variants) {
  const runs = results.get(v.name) ?? []
  const rssMedian = stats(runs.map((r) => r.rssMedianKb)).median
  const rssMax = Math.max(...runs.map((r) => r.rssMaxKb))
  const cpu = stats(runs.map((r) => r.cpuPercent)).median
  const children = stats(runs.map((r) => r.childCpuPercent)).median
  console.log(
    `${v.name}: RSS ${mb(rssMedian)} (max ${mb(rssMax)})  target < 80 MB: ${verdict(rssMax < 80 * 1024)}; ` +
      `CPU ${cpu.toFixed(2)} %  target < 0.5 %: ${verdict(cpu < 0.5)} (git children ${children.toFixed(2)} %); passes per window ${runs.map((r) => r.passes).join(", ")}, pass median ${stats(runs.map((r) => r.passMs)).median} ms`,
  )
}
