/**
 * Webhook → new container running, for a one-service change, minus the engine's own
 * time for the same container operations measured in the same run.
 *
 *   node bench/webhookToRunning.ts [rounds]
 *
 * `fleetd run` on the private dockerd tracks a bare repository over file:// (interval
 * 1h, so only the webhook starts passes) with a fleet of 5 services. Per round:
 * commit+push a changed environment variable of one service (untimed), POST a signed
 * GitHub push, and poll the engine every 10 ms (dockerode, directly) until
 *   - "running": a new container of that service runs (fleetd's `<name>--next`), and
 *   - "done": the replacement is complete: one container, the new one, under the
 *     service's name (old one stopped and removed, new one renamed).
 * In the same round, untimed by fleetd, the same engine operations with dockerode on
 * a container of another fleet label: create+start (baseline of "running") and
 * create+start+inspect+stop+remove+rename of the old one (baseline of "done", the fair
 * one: fleetd's create-first replacement must do all of them before it is finished).
 * Overhead = total − baseline, paired per round. Target: ≤ 150 ms of overhead.
 */
import type Docker from "dockerode"
import { Labels } from "../src/domain/labels.ts"
import { authHeaders, pushEvent } from "../test/support/webhookFixtures.ts"
import {
  describe,
  engineHost,
  engineVersion,
  fleetYaml,
  ms,
  noGate,
  promptStopCommand,
  rawClient,
  removeFleet,
  serviceName,
  stats,
  verdict,
} from "./support/benchKit.ts"
import { awaitPassSpacing, histogram, sleep, startBenchDaemon } from "./support/daemonKit.ts"

const rounds = Number(process.argv[2] ?? 10)
const warmups = 2
const services = 5
const pollMillis = 10
const target = 150
const host = engineHost("docker")
const docker = rawClient(host)
const changed = serviceName(0)

console.log(`# webhook → new container running, one service of ${services} changed, on docker`)
console.log(`engine: ${await engineVersion(host)}; fleetd run --interval 1h, repo over file://`)

const bench = await startBenchDaemon({
  what: "hook",
  host,
  services,
  interval: "1h",
  envValue: () => "r0",
  // Stops at once on TERM, so the stop step is the engine's time, not a sleep's phase.
  command: promptStopCommand,
  // No health gate: this measures fleetd's overhead to get the new container running, not
  // the 5 s default min_ready that a gated replacement waits before retiring the old one.
  minReady: noGate,
})
const rawFleet = `${bench.fleet}-raw`
const serviceFilter = { label: [`${Labels.fleet}=${bench.fleet}`, `${Labels.service}=${changed}`] }
const finalName = `/${bench.fleet}-${changed}`

/** The daemon's current container of the changed service (its id, and a create body like fleetd's). */
const currentContainer = async () => {
  const [only, ...rest] = await docker.listContainers({ all: true, filters: serviceFilter })
  if (only === undefined || rest.length > 0) throw new Error(`expected one container of ${changed}`)
  return docker.getContainer(only.Id).inspect()
}

/**
 * The raw baseline: the same engine calls fleetd's replacement makes, in the same
 * order, on a container created like the daemon's (image, command, env, network,
 * restart policy) but carrying another fleet label, so the daemon never sees it.
 */
const template = await currentContainer()
const rawBody = (value: string, name: string): Docker.ContainerCreateOptions => ({
  name,
  Image: template.Config.Image,
  Cmd: template.Config.Cmd,
  Env: template.Config.Env.map((e) => (e.startsWith("BENCH_VALUE=") ? `BENCH_VALUE=${value}` : e)),
  Labels: { [Labels.fleet]: rawFleet },
  StopTimeout: 2,
  HostConfig: {
    NetworkMode: template.HostConfig.NetworkMode,
    RestartPolicy: template.HostConfig.RestartPolicy,
  },
})
const rawName = `${rawFleet}-app`
let rawOld = await docker.createContainer(rawBody("r0", rawName))
await rawOld.start()

const rawReplace = async (value: string) => {
  const t0 = performance.now()
  const next = await docker.createContainer(rawBody(value, `${rawName}--next`))
  await next.start()
  const running = performance.now() - t0
  await next.inspect()
  await rawOld.stop({ t: 2 })
  await rawOld.remove()
  await next.rename({ name: rawName })
  const done = performance.now() - t0
  rawOld = next
  return { running, done }
}

/** POSTs a signed GitHub push; resolves with the answer's status and time. */
const sendWebhook = async () => {
  const event = pushEvent("github", "refs/heads/main")
  const started = performance.now()
  const response = await fetch(`${bench.daemon.base}/hooks/github`, {
    method: "POST",
    headers: { "content-type": "application/json", ...event.headers, ...authHeaders("github", event.body) },
    body: event.body,
  })
  await response.arrayBuffer()
  return { status: response.status, ms: performance.now() - started }
}

/** Polls the engine every 10 ms: when a new container runs, and when the replacement is complete. */
const watchReplacement = async (oldId: string, t0: number) => {
  let running: number | undefined
  for (const deadline = t0 + 30_000; performance.now() < deadline; await sleep(pollMillis)) {
    const list = await docker.listContainers({ all: true, filters: serviceFilter })
    const fresh = list.find((c) => c.Id !== oldId && c.State === "running")
    if (fresh !== undefined) running ??= performance.now() - t0
    const [only, ...rest] = list
    if (
      running !== undefined &&
      only !== undefined &&
      rest.length === 0 &&
      only.Id !== oldId &&
      only.State === "running" &&
      only.Names.includes(finalName)
    )
      return { running, done: performance.now() - t0, id: only.Id }
  }
  throw new Error("the replacement did not complete within 30 s")
}

interface Round {
  readonly running: number
  readonly done: number
  readonly rawRunning: number
  readonly rawDone: number
  readonly answer: number
  readonly queue: number
  readonly pass: number
  readonly fetch: number
  readonly seen: number
}
const results: Array<Round> = []
try {
  for (let round = 1; round <= warmups + rounds; round++) {
    const value = `r${round}`
    const raw = await rawReplace(value)
    const oldId = (await currentContainer()).Id
    bench.push(fleetYaml(services, (i) => (i === 0 ? value : "r0"), promptStopCommand, noGate))
    await awaitPassSpacing(bench.daemon)
    const fetchBefore = await histogram(bench.daemon, "fleetd_git_fetch_duration_seconds")
    const sentAt = Date.now()
    const t0 = performance.now()
    const [answer, seen] = await Promise.all([sendWebhook(), watchReplacement(oldId, t0)])
    const seenAt = sentAt + seen.done
    if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}`)
    const env = (await docker.getContainer(seen.id).inspect()).Config.Env
    if (!env.includes(`BENCH_VALUE=${value}`)) throw new Error(`new container lacks BENCH_VALUE=${value}`)
    // The pass that did it: its start and duration from /status, its fetch from /metrics.
    await awaitPassSpacing(bench.daemon, 0)
    const last = (await bench.daemon.status()).lastPass
    const fetchAfter = await histogram(bench.daemon, "fleetd_git_fetch_duration_seconds")
    if (last?.durationMs === undefined || last.finishedAt === undefined) throw new Error("no finished pass")
    const r: Round = {
      running: seen.running,
      done: seen.done,
      rawRunning: raw.running,
      rawDone: raw.done,
      answer: answer.ms,
      queue: Date.parse(last.startedAt) - sentAt,
      pass: last.durationMs,
      fetch: (fetchAfter.sum - fetchBefore.sum) * 1000,
      seen: seenAt - Date.parse(last.finishedAt),
    }
    const label = round <= warmups ? `warm-up ${round}` : `round ${round - warmups}`
    console.log(
      `${label}: done ${ms(r.done)} (raw ${ms(r.rawDone)}), running ${ms(r.running)} (raw ${ms(r.rawRunning)}); ` +
        `answer ${ms(r.answer)}, webhook→pass start ${r.queue} ms, pass ${r.pass} ms (git fetch ${ms(r.fetch)}), ` +
        `pass end→seen ${r.seen} ms`,
    )
    if (round > warmups) results.push(r)
  }

  const of = (pick: (r: Round) => number) => stats(results.map(pick))
  const overheadDone = of((r) => r.done - r.rawDone)
  const overheadRunning = of((r) => r.running - r.rawRunning)
  console.log(`\n## ${results.length} rounds after ${warmups} warm-ups`)
  console.log(`replacement complete (old removed, new renamed):`)
  console.log(`  webhook → done            ${describe(of((r) => r.done))}`)
  console.log(`  raw create+start+inspect+stop+remove+rename  ${describe(of((r) => r.rawDone))}`)
  console.log(
    `  fleetd overhead           ${describe(overheadDone)}  target ≤ ${target} ms (median): ${verdict(overheadDone.median <= target)}`,
  )
  console.log(`new container running (first sample with it running, fleetd's <name>--next):`)
  console.log(`  webhook → running         ${describe(of((r) => r.running))}`)
  console.log(`  raw create+start          ${describe(of((r) => r.rawRunning))}`)
  console.log(
    `  fleetd overhead           ${describe(overheadRunning)}  target ≤ ${target} ms (median): ${verdict(overheadRunning.median <= target)}`,
  )
  console.log(`where the time goes (daemon's /status and /metrics):`)
  console.log(`  webhook answered (202)    ${describe(of((r) => r.answer))}`)
  console.log(`  webhook sent → pass start ${describe(of((r) => r.queue))}  (ms resolution)`)
  console.log(`  pass duration             ${describe(of((r) => r.pass))}`)
  console.log(`    of which git fetch      ${describe(of((r) => r.fetch))}`)
  console.log(`  pass end → seen by poller ${describe(of((r) => r.seen))}  (10 ms polling; may be < 0)`)
  console.log(`  pass − raw replacement    ${describe(of((r) => r.pass - r.rawDone))}`)
  console.log(
    `  before the new container runs, beyond create+start (running − queue − raw create+start): ${describe(of((r) => r.running - r.queue - r.rawRunning))}`,
  )
} finally {
  // The raw containers sit on the fleet's network: remove them first, or the network stays.
  await removeFleet(host, rawFleet)
  await bench.close()
}
