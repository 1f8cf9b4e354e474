/**
 * Webhook → new container running, for a one-service change, minus the engine's own
 * time for the same container operations measured in the same run.
 *
 *   node bench/webhookToRunning.ts [rounds] [other-checkout ...]
 *
 * `fleetd run` on the private dockerd tracks a bare repository over file:// (interval
 * 1h, so only the webhook starts passes) with a fleet of 5 services. Per round:
 * commit+push a changed environment variable of one service (untimed), POST a signed
 * GitHub push, and follow the engine's event stream until
 *   - "created": the engine reports the creation of a new container of that service,
 *   - "running": it reports its start (fleetd's `<name>--next`), and
 *   - "done": the replacement is complete: the old container destroyed and the new one
 *     renamed to the service's name.
 * In the same round, untimed by fleetd, the same engine operations with dockerode on
 * a container of another fleet label: create (baseline of "created"), create+start
 * (baseline of "running") and
 * create+start+inspect+stop+remove+rename of the old one (baseline of "done", the fair
 * one: fleetd's create-first replacement must do all of them before it is finished).
 * Both sides are timed the same way: from just before the first request (the webhook's
 * POST, the raw create) to the engine's own timestamp of the event (`timeNano`, the
 * host's clock, as `performance.timeOrigin + performance.now()` is), so neither side
 * pays for a poller's interval or a list call. Overhead = fleetd − raw, paired per round.
 *
 * Every other-checkout (its bundle built: `npm run build` there) runs a daemon of its
 * own (its own fleet and repository) beside this checkout's; each round measures every
 * checkout once, the order rotating, so their figures come from the same minutes.
 * Target: ≤ 50 ms of overhead to "running" (issue 11).
 */
import { join } from "node:path"
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
  repoRoot,
  serviceName,
  stats,
  verdict,
} from "./support/benchKit.ts"
import { awaitPassSpacing, type BenchDaemon, histogram, startBenchDaemon } from "./support/daemonKit.ts"

const rounds = Number(process.argv[2] ?? 10)
const checkouts = [repoRoot, ...process.argv.slice(3)]
const warmups = 2
const services = 5
const target = 50
const host = engineHost("docker")
const docker = rawClient(host)
const changed = serviceName(0)
const labelOf = (checkout: string) => (checkout === repoRoot ? "this checkout" : checkout)

/** Now on the host's wall clock in ms, with µs resolution (the engine stamps events on the same clock). */
const now = () => performance.timeOrigin + performance.now()

console.log(`# webhook → new container running, one service of ${services} changed, on docker`)
console.log(`engine: ${await engineVersion(host)}; fleetd run --interval 1h, repo over file://`)

// ---------------------------------------------------------------- engine events

interface EngineEvent {
  readonly Type?: string
  readonly Action?: string
  readonly Actor?: { readonly ID?: string; readonly Attributes?: Record<string, string> }
  readonly timeNano?: number
}
interface Seen {
  readonly event: EngineEvent
  /** The engine's timestamp of the event, ms on the host's wall clock. */
  readonly at: number
}

/** Every container event of a fleetd-labelled container since the stream opened, and waiters. */
const seen: Array<Seen> = []
const waiters = new Set<() => void>()
const stream = (await docker.getEvents({
  filters: { type: ["container"], label: [Labels.fleet] },
})) as NodeJS.ReadableStream & { destroy: () => void }
let pending = ""
stream.on("data", (chunk: Buffer) => {
  pending += chunk.toString("utf8")
  const lines = pending.split("\n")
  pending = lines.pop() ?? ""
  for (const line of lines) {
    if (line.trim() === "") continue
    const event = JSON.parse(line) as EngineEvent
    seen.push({ event, at: Number(event.timeNano ?? 0) / 1e6 })
  }
  for (const wake of waiters) wake()
})

/** The first event from index `from` on that matches, waiting for it up to 30 s. */
const awaitEvent = (from: number, match: (e: EngineEvent) => boolean, what: string): Promise<Seen> =>
  new Promise((resolve, reject) => {
    let next = from
    const look = () => {
      for (; next < seen.length; next++) {
        const s = seen[next]
        if (s !== undefined && match(s.event)) {
          waiters.delete(look)
          clearTimeout(timer)
          resolve(s)
          return
        }
      }
    }
    const timer = setTimeout(() => {
      waiters.delete(look)
      reject(new Error(`no engine event within 30 s: ${what}`))
    }, 30_000)
    waiters.add(look)
    look()
  })

const isAction = (e: EngineEvent, action: string): boolean =>
  e.Action === action || e.Action?.startsWith(`${action}:`) === true
const attribute = (e: EngineEvent, key: string) => e.Actor?.Attributes?.[key]

/** When the replacement of `oldId` (under `finalName`, of `fleet`/`service`) started its new container and finished. */
const awaitReplacement = async (
  from: number,
  fleet: string,
  service: string,
  oldId: string,
  finalName: string,
) => {
  const ofService = (e: EngineEvent) =>
    e.Actor?.ID !== oldId && attribute(e, Labels.fleet) === fleet && attribute(e, Labels.service) === service
  const created = await awaitEvent(
    from,
    (e) => isAction(e, "create") && ofService(e),
    `creation of a new container of ${fleet}/${service}`,
  )
  const newId = created.event.Actor?.ID ?? ""
  const started = await awaitEvent(
    from,
    (e) => isAction(e, "start") && e.Actor?.ID === newId,
    `start of ${newId}`,
  )
  const [renamed, destroyed] = await Promise.all([
    awaitEvent(
      from,
      (e) => isAction(e, "rename") && e.Actor?.ID === newId && attribute(e, "name") === finalName,
      `${newId} renamed to ${finalName}`,
    ),
    awaitEvent(from, (e) => isAction(e, "destroy") && e.Actor?.ID === oldId, `${oldId} destroyed`),
  ])
  return { newId, created: created.at, running: started.at, done: Math.max(renamed.at, destroyed.at) }
}

// ---------------------------------------------------------------- daemons

const daemons: Array<{ readonly checkout: string; readonly bench: BenchDaemon }> = []
const rawFleet = `bench-hook-raw-${process.pid}`
let rawOld: Docker.Container | undefined
try {
  for (const checkout of checkouts)
    daemons.push({
      checkout,
      bench: await startBenchDaemon({
        what: "hook",
        host,
        services,
        interval: "1h",
        envValue: () => "r0",
        // Stops at once on TERM, so the stop step is the engine's time, not a sleep's phase.
        command: promptStopCommand,
        // No health gate: this measures fleetd's overhead to get the new container running,
        // not the 5 s default min_ready a gated replacement waits before retiring the old one.
        minReady: noGate,
        ...(checkout === repoRoot ? {} : { launch: [join(checkout, "bin/fleetd.js")] }),
      }),
    })

  const filterOf = (fleet: string) => ({
    label: [`${Labels.fleet}=${fleet}`, `${Labels.service}=${changed}`],
  })
  /** The daemon's current container of the changed service. */
  const currentContainer = async (fleet: string) => {
    const [only, ...rest] = await docker.listContainers({ all: true, filters: filterOf(fleet) })
    if (only === undefined || rest.length > 0)
      throw new Error(`expected one container of ${fleet}/${changed}`)
    return docker.getContainer(only.Id).inspect()
  }

  /**
   * The raw baseline: the same engine calls fleetd's replacement makes, in the same
   * order, on a container created like the daemon's (image, command, env, network,
   * restart policy) but carrying another fleet label, so no daemon sees it.
   */
  const [first] = daemons
  if (first === undefined) throw new Error("no checkout to measure")
  const template = await currentContainer(first.bench.fleet)
  const rawBody = (value: string, name: string): Docker.ContainerCreateOptions => ({
    name,
    Image: template.Config.Image,
    Cmd: template.Config.Cmd,
    Env: template.Config.Env.map((e) => (e.startsWith("BENCH_VALUE=") ? `BENCH_VALUE=${value}` : e)),
    Labels: { [Labels.fleet]: rawFleet, [Labels.service]: changed },
    StopTimeout: 2,
    HostConfig: {
      NetworkMode: template.HostConfig.NetworkMode,
      RestartPolicy: template.HostConfig.RestartPolicy,
    },
  })
  const rawName = `${rawFleet}-app`
  rawOld = await docker.createContainer(rawBody("r0", rawName))
  await rawOld.start()

  const rawReplace = async (value: string) => {
    const old = rawOld
    if (old === undefined) throw new Error("no raw container")
    const from = seen.length
    const t0 = now()
    const next = await docker.createContainer(rawBody(value, `${rawName}--next`))
    await next.start()
    const client = now() - t0
    await next.inspect()
    await old.stop({ t: 2 })
    await old.remove()
    await next.rename({ name: rawName })
    rawOld = next
    const events = await awaitReplacement(from, rawFleet, changed, old.id, rawName)
    return { created: events.created - t0, running: events.running - t0, done: events.done - t0, client }
  }

  /** POSTs a signed GitHub push; resolves with the answer's status and time. */
  const sendWebhook = async (base: string) => {
    const event = pushEvent("github", "refs/heads/main")
    const started = now()
    const response = await fetch(`${base}/hooks/github`, {
      method: "POST",
      headers: { "content-type": "application/json", ...event.headers, ...authHeaders("github", event.body) },
      body: event.body,
    })
    await response.arrayBuffer()
    return { status: response.status, ms: now() - started }
  }

  interface Round {
    readonly created: number
    readonly rawCreated: number
    readonly running: number
    readonly done: number
    readonly rawRunning: number
    readonly rawDone: number
    readonly rawClient: number
    readonly answer: number
    readonly queue: number
    readonly pass: number
    readonly fetch: number
  }
  const results = new Map<string, Array<Round>>(checkouts.map((c) => [c, []]))

  const measure = async (checkout: string, bench: BenchDaemon, value: string): Promise<Round> => {
    const raw = await rawReplace(value)
    const oldId = (await currentContainer(bench.fleet)).Id
    bench.push(fleetYaml(services, (i) => (i === 0 ? value : "r0"), promptStopCommand, noGate))
    await awaitPassSpacing(bench.daemon)
    const fetchBefore = await histogram(bench.daemon, "fleetd_git_fetch_duration_seconds")
    const from = seen.length
    const t0 = now()
    const [answer, events] = await Promise.all([
      sendWebhook(bench.daemon.base),
      awaitReplacement(from, bench.fleet, changed, oldId, `${bench.fleet}-${changed}`),
    ])
    if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}`)
    const final = await currentContainer(bench.fleet)
    if (final.Id !== events.newId || !final.State.Running)
      throw new Error(`${labelOf(checkout)}: the new container is not the one left running`)
    if (!final.Config.Env.includes(`BENCH_VALUE=${value}`))
      throw new Error(`new container lacks BENCH_VALUE=${value}`)
    // The pass that did it: its start and duration from /status, its fetch from /metrics.
    await awaitPassSpacing(bench.daemon, 0)
    const last = (await bench.daemon.status()).lastPass
    const fetchAfter = await histogram(bench.daemon, "fleetd_git_fetch_duration_seconds")
    if (last?.durationMs === undefined) throw new Error("no finished pass")
    return {
      created: events.created - t0,
      rawCreated: raw.created,
      running: events.running - t0,
      done: events.done - t0,
      rawRunning: raw.running,
      rawDone: raw.done,
      rawClient: raw.client,
      answer: answer.ms,
      queue: Date.parse(last.startedAt) - t0,
      pass: last.durationMs,
      fetch: (fetchAfter.sum - fetchBefore.sum) * 1000,
    }
  }

  for (let round = 1; round <= warmups + rounds; round++) {
    const label = round <= warmups ? `warm-up ${round}` : `round ${round - warmups}`
    for (let i = 0; i < daemons.length; i++) {
      const { checkout, bench } = daemons[(i + round) % daemons.length] ?? first
      const r = await measure(checkout, bench, `r${round}`)
      console.log(
        `${label}, ${labelOf(checkout)}: created ${ms(r.created)} (raw ${ms(r.rawCreated)}), ` +
          `running ${ms(r.running)} (raw ${ms(r.rawRunning)}), ` +
          `done ${ms(r.done)} (raw ${ms(r.rawDone)}); answer ${ms(r.answer)}, ` +
          `webhook→pass start ${r.queue.toFixed(0)} ms, pass ${r.pass} ms (git fetch ${ms(r.fetch)})`,
      )
      if (round > warmups) results.get(checkout)?.push(r)
    }
  }

  for (const [checkout, list] of results) {
    const of = (pick: (r: Round) => number) => stats(list.map(pick))
    const overheadRunning = of((r) => r.running - r.rawRunning)
    const overheadDone = of((r) => r.done - r.rawDone)
    console.log(`\n## ${labelOf(checkout)}: ${list.length} rounds after ${warmups} warm-ups`)
    console.log(`new container running (the engine's start event of fleetd's <name>--next):`)
    console.log(`  webhook → running         ${describe(of((r) => r.running))}`)
    console.log(`  raw create+start          ${describe(of((r) => r.rawRunning))}`)
    console.log(`    (as the client sees it: ${describe(of((r) => r.rawClient))})`)
    console.log(
      `  fleetd overhead           ${describe(overheadRunning)}  target ≤ ${target} ms (median): ${verdict(overheadRunning.median <= target)}`,
    )
    console.log(
      `new container created (the engine's create event; start, the engine's slowest step, left out):`,
    )
    console.log(`  webhook → created         ${describe(of((r) => r.created))}`)
    console.log(`  raw create                ${describe(of((r) => r.rawCreated))}`)
    console.log(`  fleetd overhead           ${describe(of((r) => r.created - r.rawCreated))}`)
    console.log(`replacement complete (old destroyed, new renamed):`)
    console.log(`  webhook → done            ${describe(of((r) => r.done))}`)
    console.log(`  raw create+start+inspect+stop+remove+rename  ${describe(of((r) => r.rawDone))}`)
    console.log(`  fleetd overhead           ${describe(overheadDone)}`)
    console.log(`where the time goes (daemon's /status and /metrics):`)
    console.log(`  webhook answered (202)    ${describe(of((r) => r.answer))}`)
    console.log(`  webhook sent → pass start ${describe(of((r) => r.queue))}  (ms resolution)`)
    console.log(`  pass duration             ${describe(of((r) => r.pass))}`)
    console.log(`    of which git fetch      ${describe(of((r) => r.fetch))}`)
    console.log(
      `  before the new container runs, beyond create+start (running − pass start − raw create+start): ${describe(of((r) => r.running - r.queue - r.rawRunning))}`,
    )
  }
} finally {
  stream.destroy()
  // The raw containers sit on a fleet's network: remove them first, or the network stays.
  await removeFleet(host, rawFleet)
  for (const { bench } of daemons) await bench.close()
}
