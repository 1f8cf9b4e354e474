/**
 * Ten sources in one daemon (`fleetd run --config FILE`) against ten single-source
 * daemons (`fleetd run --repo`) on the same ten repositories: idle memory and CPU,
 * webhook → container running, and registry push → container running.
 *
 *   node bench/manySources.ts [docker|podman] [hook rounds] [idle seconds] [push rounds]
 *
 * Ten bare repositories over file://, each a fleet of 10 services (no health gate,
 * `promptStopCommand`), interval 1h so only deliveries start passes. Source s00's last
 * service runs `<loopback registry>/bench/<fleet>:stable` and follows it by digest; the
 * registry notifies the one daemon's shared `/hooks/registry` with s00's secret.
 *
 * Phase 1, one daemon following the ten sources (each `webhook.repository` bench/sNN,
 * each its own `webhook.secret_env`):
 *   - idle: 6 s after every source converged, a window of /proc samples (CPU time at
 *     its ends, VmRSS every 5 s; nothing is requested from the daemon meanwhile);
 *   - webhook: per round, rotating over the sources, commit+push a new BENCH_VALUE of
 *     that source's first service (untimed), POST a GitHub push naming the source's
 *     repository, signed with its secret, to the shared `/hooks/github`, and poll the
 *     engine every 10 ms until a new container of that service runs (its env checked);
 *   - registry: per round push the tracked tag again with the other of two images
 *     (the engine's push API) and poll until s00's tracked service has a new container.
 * Its containers are then removed. Phase 2, ten `fleetd run --repo` daemons, one per
 * repository, on fleets of their own (their leases never meet phase 1's): the same idle
 * window over the ten processes (RSS and CPU summed), and the same webhook rounds, each
 * to the daemon of that source (a signed push without a repository, as a
 * single-source daemon is set up today).
 * Targets (issue 9): each push lands within 2 s.
 */
import { randomBytes } from "node:crypto"
import { loadavg } from "node:os"
import { Labels } from "../src/domain/labels.ts"
import { freePort } from "../test/support/freePort.ts"
import { pushImage, startRegistry } from "../test/support/testRegistry.ts"
import { authHeaders, type Delivery, githubPush, pushEvent } from "../test/support/webhookFixtures.ts"
import {
  benchFleet,
  type EngineKind,
  engineHost,
  engineVersion,
  fleetYaml,
  ms,
  noGate,
  promptStopCommand,
  rawClient,
  removeImageReferences,
  type Stats,
  serviceName,
  stats,
  verdict,
} from "./support/benchKit.ts"
import {
  awaitNewRunning,
  awaitPassSpacing,
  type BenchDaemon,
  type IdleFigures,
  idleWindow,
  mb,
  passRecords,
  sleep,
  startBenchDaemon,
} from "./support/daemonKit.ts"
import { type BenchSource, makeBenchSources, startSourcesDaemon } from "./support/sourcesKit.ts"

const kind = (process.argv[2] ?? "docker") as EngineKind
const hookRounds = Number(process.argv[3] ?? 10)
const idleSeconds = Number(process.argv[4] ?? 60)
const pushRounds = Number(process.argv[5] ?? 10)
const sourceCount = 10
const services = 10
const hookWarmups = 2
const pushWarmups = 2
const target = 2000
const host = engineHost(kind)
const docker = rawClient(host)
const prefix = benchFleet("many")
const changed = serviceName(0)
const tracked = serviceName(services - 1)
const images = ["fleetd-test/app:v1", "fleetd-test/app:v2"] as const

const load = () =>
  `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`
const summary = (s: Stats) =>
  `median ${ms(s.median)}, p90 ${ms(s.p90)}, min ${ms(s.min)}, max ${ms(s.max)} (n=${s.n})`

console.log(
  `# ${sourceCount} sources × ${services} services: one fleetd --config vs ${sourceCount} fleetd --repo, on ${kind}`,
)
console.log(`engine: ${await engineVersion(host)}; interval 1h, repos over file://, ${load()}`)

const port = await freePort()
const newSecret = () => randomBytes(16).toString("hex")
const registrySecret = newSecret()
const registry = await startRegistry({
  notify: { url: `http://127.0.0.1:${port}/hooks/registry`, token: registrySecret },
})
const tag = `${registry.host}/bench/${prefix}:stable`
/** Source k's fleet.yaml with its first service's BENCH_VALUE set to `value`. */
const manifest = (k: number, value: string) =>
  fleetYaml(
    services,
    (i) => (i === 0 ? value : "r0"),
    promptStopCommand,
    noGate,
    k === 0 ? { index: services - 1, image: tag } : undefined,
  )
let repos: Awaited<ReturnType<typeof makeBenchSources>> | undefined

/** The containers of `service` in `fleet`, all states. */
const containersOf = (fleet: string, service: string) => () =>
  docker.listContainers({
    all: true,
    filters: { label: [`${Labels.fleet}=${fleet}`, `${Labels.service}=${service}`] },
  })

const runningId = async (fleet: string, service: string) =>
  (await containersOf(fleet, service)()).find((c) => c.State === "running")?.Id

const post = async (base: string, delivery: Delivery) => {
  const started = performance.now()
  const response = await fetch(`${base}/hooks/github`, {
    method: "POST",
    headers: { "content-type": "application/json", ...delivery.headers },
    body: delivery.body,
  })
  await response.arrayBuffer()
  return { status: response.status, ms: performance.now() - started }
}

interface HookTarget {
  readonly base: string
  readonly fleet: string
  /** awaitPassSpacing's source (undefined for a single-source daemon). */
  readonly source: string | undefined
  readonly daemon: BenchDaemon["daemon"]
  readonly delivery: () => Delivery
}

/** Rounds rotating over the sources: push, signed webhook, new container running with the new env. */
const hookRoundsOn = async (label: string, targetOf: (s: BenchSource) => HookTarget) => {
  const samples: Array<number> = []
  const answers: Array<number> = []
  const sources = repos?.sources ?? []
  for (let round = 0; round < hookWarmups + hookRounds; round++) {
    const k = round % sources.length
    const s = sources[k]!
    const t = targetOf(s)
    const value = `${label}${round}`
    const oldId = await runningId(t.fleet, changed)
    s.push(manifest(k, value))
    await awaitPassSpacing(t.daemon, 1200, t.source)
    const t0 = performance.now()
    const [answer, seen] = await Promise.all([
      post(t.base, t.delivery()),
      awaitNewRunning(containersOf(t.fleet, changed), oldId, t0, `${label} round ${round} (${s.name})`),
    ])
    if (answer.status !== 202) throw new Error(`${label} round ${round}: webhook answered ${answer.status}`)
    const env = (await docker.getContainer(seen.id).inspect()).Config.Env
    if (!env.includes(`BENCH_VALUE=${value}`))
      throw new Error(`${label} round ${round}: new container lacks BENCH_VALUE=${value}`)
    const warm = round < hookWarmups
    console.log(
      `  ${warm ? "warm-up" : "round"} ${round} ${s.name}: running after ${ms(seen.ms)} (answer ${ms(answer.ms)})`,
    )
    if (!warm) {
      samples.push(seen.ms)
      answers.push(answer.ms)
    }
  }
  return { running: stats(samples), answer: stats(answers) }
}

const printIdle = (label: string, idle: IdleFigures, processes: number, passesInWindow: number) => {
  console.log(
    `  ${label}: ${processes} process(es), window ${idle.seconds.toFixed(1)} s, ${passesInWindow} passes in it; ` +
      `RSS median ${mb(idle.rssMedianKb)} (samples ${idle.rssSumsKb.map((kb) => (kb / 1024).toFixed(0)).join("/")} MB), ` +
      `peak ${mb(idle.hwmKb)}; CPU ${idle.cpuSeconds.toFixed(2)} s = ${((idle.cpuSeconds / idle.seconds) * 100).toFixed(2)} % of one core`,
  )
}

try {
  await pushImage({ kind, host }, docker, images[0], tag)
  repos = await makeBenchSources(
    sourceCount,
    (k) => manifest(k, "r0"),
    (k) => (k === 0 ? registrySecret : newSecret()),
  )
  const sources = repos.sources

  // ------------------------------------------------------------ phase 1: one daemon
  console.log(`\n## one fleetd --config, ${sourceCount} sources`)
  let started = performance.now()
  const one = await startSourcesDaemon({
    host,
    port,
    sources,
    services,
    fleetPrefix: `${prefix}-one`,
    interval: "1h",
  })
  let oneIdle: IdleFigures
  let oneHooks: Awaited<ReturnType<typeof hookRoundsOn>>
  let push: Stats
  try {
    console.log(
      `converged in ${((performance.now() - started) / 1000).toFixed(1)} s (pid ${one.pid}), ${load()}`,
    )
    await sleep(6000)
    const windowStart = Date.now()
    oneIdle = await idleWindow([one.pid], idleSeconds)
    const passes = passRecords(one.daemon.logs()).filter((p) => p.at >= windowStart).length
    printIdle("idle", oneIdle, 1, passes)
    console.log(`webhook → running at the shared /hooks/github (${load()}):`)
    oneHooks = await hookRoundsOn("one", (s) => ({
      base: one.daemon.base,
      fleet: one.fleetOf(s.name),
      source: s.name,
      daemon: one.daemon,
      delivery: () => githubPush(s.repository, s.secret),
    }))
    console.log(`registry push → running, s00's ${tracked} (${load()}):`)
    const trackedFleet = one.fleetOf(sources[0]!.name)
    const samples: Array<number> = []
    for (let round = 0; round < pushWarmups + pushRounds; round++) {
      const before = await runningId(trackedFleet, tracked)
      await pushImage({ kind, host }, docker, images[(round + 1) % 2]!, tag)
      const seen = await awaitNewRunning(
        containersOf(trackedFleet, tracked),
        before,
        performance.now(),
        `push round ${round}`,
      )
      const warm = round < pushWarmups
      console.log(`  ${warm ? "warm-up" : "round"} ${round}: running after ${ms(seen.ms)}`)
      if (!warm) samples.push(seen.ms)
      // Let the replacement finish (the old container's stop) before the next push.
      await sleep(1500)
    }
    push = stats(samples)
  } finally {
    await one.close()
  }

  // ------------------------------------------------------------ phase 2: ten daemons
  console.log(`\n## ${sourceCount} fleetd --repo, one per repository`)
  started = performance.now()
  const ten: Array<BenchDaemon> = []
  let tenIdle: IdleFigures
  let tenHooks: Awaited<ReturnType<typeof hookRoundsOn>>
  try {
    for (const s of sources)
      ten.push(
        await startBenchDaemon({
          what: `ten-${s.name}`,
          host,
          services,
          interval: "1h",
          remote: s.remote,
          env: { FLEETD_WEBHOOK_SECRET: s.secret },
        }),
      )
    console.log(`converged in ${((performance.now() - started) / 1000).toFixed(1)} s, ${load()}`)
    await sleep(6000)
    const windowStart = Date.now()
    tenIdle = await idleWindow(
      ten.map((d) => d.pid),
      idleSeconds,
    )
    const passes = ten.reduce(
      (n, d) => n + passRecords(d.daemon.logs()).filter((p) => p.at >= windowStart).length,
      0,
    )
    printIdle("idle", tenIdle, ten.length, passes)
    console.log(
      `  RSS of each at the end: ${tenIdle.rssEachKb.map((kb) => (kb / 1024).toFixed(0)).join(", ")} MB`,
    )
    console.log(`webhook → running, each at its own daemon's /hooks/github (${load()}):`)
    const daemonOf = new Map(sources.map((s, k) => [s.name, ten[k]!]))
    tenHooks = await hookRoundsOn("ten", (s) => {
      const d = daemonOf.get(s.name)!
      return {
        base: d.daemon.base,
        fleet: d.fleet,
        source: undefined,
        daemon: d.daemon,
        delivery: () => {
          const event = pushEvent("github", "refs/heads/main")
          return {
            body: event.body,
            headers: { ...event.headers, ...authHeaders("github", event.body, s.secret) },
          }
        },
      }
    })
  } finally {
    for (const d of ten) await d.close()
  }

  // ------------------------------------------------------------ side by side
  const ratio = (a: number, b: number) => (a / b).toFixed(2)
  console.log(`\n## ${sourceCount} sources × ${services} services on ${kind}: one daemon vs ${sourceCount}`)
  console.log(`| | one fleetd --config | ${sourceCount} × fleetd --repo | one / ten |`)
  console.log(`|---|---|---|---|`)
  console.log(
    `| idle RSS (median of ${oneIdle.rssSumsKb.length} samples; sum for ten) | ${mb(oneIdle.rssMedianKb)} | ${mb(tenIdle.rssMedianKb)} | ${ratio(oneIdle.rssMedianKb, tenIdle.rssMedianKb)} |`,
  )
  // What one more source costs the one daemon: its RSS beyond one single-source daemon's, per extra source.
  const marginalKb = (oneIdle.rssMedianKb - tenIdle.rssMedianKb / sourceCount) / (sourceCount - 1)
  console.log(
    `| idle RSS per source | ${mb(marginalKb)} per source beyond the first | ${mb(tenIdle.rssMedianKb / sourceCount)} per daemon | |`,
  )
  console.log(
    `| idle CPU over ${idleSeconds} s (sum for ten) | ${oneIdle.cpuSeconds.toFixed(2)} s (${((oneIdle.cpuSeconds / oneIdle.seconds) * 100).toFixed(2)} %) | ${tenIdle.cpuSeconds.toFixed(2)} s (${((tenIdle.cpuSeconds / tenIdle.seconds) * 100).toFixed(2)} %) | ${ratio(oneIdle.cpuSeconds, tenIdle.cpuSeconds)} |`,
  )
  console.log(
    `| webhook → running, median | ${ms(oneHooks.running.median)} | ${ms(tenHooks.running.median)} | ${ratio(oneHooks.running.median, tenHooks.running.median)} |`,
  )
  console.log(`| webhook → running, p90 | ${ms(oneHooks.running.p90)} | ${ms(tenHooks.running.p90)} | |`)
  console.log(
    `| webhook answered, median | ${ms(oneHooks.answer.median)} | ${ms(tenHooks.answer.median)} | |`,
  )
  console.log(`| registry push → running, median | ${ms(push.median)} | (bench/imagePushToRunning.ts) | |`)
  console.log(`| registry push → running, p90 | ${ms(push.p90)} | | |`)
  console.log(
    `webhook → running (one daemon): ${summary(oneHooks.running)}; target ≤ ${target} ms: ${verdict(oneHooks.running.p90 <= target)} (p90)`,
  )
  console.log(`webhook → running (ten daemons): ${summary(tenHooks.running)}`)
  console.log(
    `registry push → running (one daemon): ${summary(push)}; target ≤ ${target} ms: ${verdict(push.p90 <= target)} (p90)`,
  )
  console.log(`${load()}`)
} finally {
  await repos?.close()
  await registry.remove()
  await removeImageReferences(host, `${registry.host}/bench/${prefix}`)
}
