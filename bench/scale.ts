/**
 * The scale curve: how a no-op pass, plan and memory grow with the fleet.
 *
 *   node bench/scale.ts [docker|podman] [polls] [services,...] [sources,...] [per source] [checkout ...]
 *
 * Defaults: docker, 15 polls, 10,100,1000 services in one fleet, 1,10,50 sources of 10
 * services each, this checkout. Every extra argument is another fleetd checkout (its
 * bundle built), measured on the same containers in the same run: before/after side by side.
 *
 * The containers are created once and reused: one fleet grows from point to point, 50
 * services per push, under a "grower" daemon of this checkout (so never more than a
 * pass's 4 creates in flight); the sources' fleets grow 5 sources at a time. They run
 * `quietCommand` (one `sleep`, no fork, no healthcheck, no ports). For every point and
 * checkout, a fresh measuring daemon on the grown fleet (nothing to do):
 * - `fleetd run` (one --repo, or --config with N sources), --interval 1s: /status read
 *   once a second, each distinct `lastPass.durationMs` a sample (for N sources: every
 *   source's last pass); VmRSS (median of the samples taken with the polls); CPU over the
 *   window, and that CPU divided by the passes (the whole pass: status, metrics, history,
 *   logs, plus one /status read a second);
 * - `fleetd plan -f FILE --fleet F` as a fresh process (services points), median over runs;
 * - plan() of each checkout, pure and in-process: the point's fleet.yaml through manifestFromText, and an
 *   ObservedState of its containers labelled as the applier labels them (nothing to do),
 *   median over repeated calls; for N sources, the sum of one plan() per source.
 * BENCH_SCALE_KEEP=1 leaves the containers at the end and BENCH_SCALE_FLEET=<name> reuses
 * them (the services points' fleet; its sources are `<name>-src-sNN`): for repeated runs
 * on one private engine. BENCH_CPU_PROF=<dir> runs the measuring daemons with
 * `--cpu-prof` into that directory (a diagnosis: the profiler slows the pass).
 * Targets (issue 11): 1,000 services no-op pass < 150 ms, plan() < 20 ms; nothing grows
 * faster than linearly (the per-service figure stays flat or falls).
 */
import { createHash } from "node:crypto"
import { resolve } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { containerLabels } from "../src/domain/containerLabels.ts"
import type { DesiredState } from "../src/domain/DesiredState.ts"
import type { DaemonStatus } from "../src/domain/FleetStatus.ts"
import { normalizeImageRef } from "../src/domain/imageRef.ts"
import { Labels } from "../src/domain/labels.ts"
import type { ObservedContainer, ObservedState } from "../src/domain/ObservedState.ts"
import { specHash } from "../src/domain/specHash.ts"
import { manifestFromText } from "../src/manifest/manifestFromText.ts"
import type { plan as Plan } from "../src/planner/plan.ts"
import { freePort } from "../test/support/freePort.ts"
import { makeGitRemote } from "../test/support/gitRemote.ts"
import {
  benchFleet,
  benchImage,
  type EngineKind,
  engineHost,
  engineVersion,
  fleetYaml,
  noGate,
  quietCommand,
  rawClient,
  removeFleet,
  repoRoot,
  stats,
  timeCommand,
  writeManifest,
} from "./support/benchKit.ts"
import {
  awaitConverged,
  cpuPercent,
  type ProcSample,
  procSample,
  pushManifest,
  sleep,
  startBenchDaemon,
} from "./support/daemonKit.ts"
import { makeBenchSources, startSourcesDaemon } from "./support/sourcesKit.ts"

const kind: EngineKind = process.argv[2] === "podman" ? "podman" : "docker"
const polls = Number(process.argv[3] ?? 15)
const list = (arg: string | undefined, fallback: ReadonlyArray<number>) =>
  arg === undefined
    ? fallback
    : arg
        .split(",")
        .map(Number)
        .filter((n) => n > 0)
const servicePoints = list(process.argv[4], [10, 100, 1000])
const sourcePoints = list(process.argv[5], [1, 10, 50])
const perSource = Number(process.argv[6] ?? 10)
const checkouts = process.argv.length > 7 ? process.argv.slice(7).map((c) => `${resolve(c)}/`) : [repoRoot]
const host = engineHost(kind)
const keep = process.env.BENCH_SCALE_KEEP === "1"
const fleetName = process.env.BENCH_SCALE_FLEET ?? benchFleet("scale")
const cpuProf = process.env.BENCH_CPU_PROF
/** The services of every point: one quiet process each, no gate. */
const manifest = (services: number) => fleetYaml(services, undefined, quietCommand, noGate)
/**
 * Source `k`'s fleet: its own network on a /24 of 10.201/16. dockerd's default address
 * pools hold about 30 networks, and 50 sources make 50 (one per fleet).
 */
const sourceManifest = (k: number) =>
  `${manifest(perSource)}networks:\n  default:\n    ipam:\n      config:\n        - subnet: 10.201.${k}.0/24\n`
/** Containers created per push while a fleet grows. */
const growStep = 50
const imageId = `sha256:${"1".repeat(64)}`

// ---------------------------------------------------------------- plan(), pure

const desiredOf = (fleet: string, services: number): DesiredState => {
  const result = manifestFromText({
    file: "fleet.yaml",
    text: manifest(services),
    root: "/nonexistent/bench",
    fleet,
    environment: {},
  })
  if (result._tag === "error") throw new Error(JSON.stringify(result.issues.slice(0, 3)))
  return result.desired
}

/** What the applier leaves behind for `desired`: every service running, unchanged. */
const observedOf = (desired: DesiredState): ObservedState => ({
  containers: desired.services.map(
    (service): ObservedContainer => ({
      id: createHash("sha256").update(service.containerName).digest("hex"),
      name: service.containerName,
      labels: containerLabels(
        desired.fleet,
        service,
        specHash(service.configHash, imageId),
        imageId,
        "bench",
      ),
      state: "running",
      imageId,
      networks: [`${desired.fleet}_default`],
      volumes: [],
    }),
  ),
  images: [{ id: imageId, refs: [normalizeImageRef(benchImage)] }],
})

/** Median ms of `plan()` over `sources` fleets of `services` each, summed per round. */
/**
 * Median ms of `plan()` over `sources` fleets of `services` each, summed per round: wall
 * time, and this process's CPU time (user + system) for the same call, which a machine
 * shared with other work inflates much less (a descheduled plan() keeps its wall clock running).
 */
const planMs = (
  plan: typeof Plan,
  sources: number,
  services: number,
): { readonly wall: number; readonly cpu: number } => {
  const fleets = Array.from({ length: sources }, (_, k) => {
    const desired = desiredOf(`bench-scale-plan-${k}`, services)
    return { desired, observed: observedOf(desired) }
  })
  const first = fleets.map((f) => plan(f.desired, f.observed).actions.filter((a) => a._tag !== "Unchanged"))
  const busy = first.reduce((n, actions) => n + actions.length, 0)
  if (busy > 0)
    console.log(
      `  (plan fixture not a no-op: ${busy} actions: ${[...new Set(first.flat().map((a) => a._tag))].join(", ")})`,
    )
  const rounds = Math.max(30, Math.min(300, Math.round(30_000 / (sources * services))))
  const wall: Array<number> = []
  const cpu: Array<number> = []
  for (let i = 0; i < rounds + 10; i++) {
    const started = performance.now()
    const used = process.cpuUsage()
    for (const f of fleets) plan(f.desired, f.observed)
    const spent = process.cpuUsage(used)
    if (i < 10) continue
    wall.push(performance.now() - started)
    cpu.push((spent.user + spent.system) / 1000)
  }
  return { wall: stats(wall).median, cpu: stats(cpu).median }
}

// ---------------------------------------------------------------- the daemon

interface DaemonFigures {
  readonly passMs: number
  readonly passP95Ms: number
  readonly passes: number
  readonly rssMb: number
  readonly cpuPercent: number
  /** CPU time over the window divided by the passes in it (all sources). */
  readonly cpuMsPerPass: number
}

const cpuMsOf = (from: ProcSample, to: ProcSample): number => (to.cpuSeconds - from.cpuSeconds) * 1000

/** Polls /status once a second; every source's distinct last pass is a sample. */
const watchDaemon = async (pid: number, status: () => Promise<DaemonStatus>): Promise<DaemonFigures> => {
  await sleep(3000)
  const samples = new Map<string, number>()
  const rss: Array<number> = []
  const first = procSample(pid)
  for (let i = 0; i < polls; i++) {
    await sleep(1000)
    for (const s of (await status()).sources) {
      const last = s.lastPass
      if (last?.durationMs === undefined || last.result === undefined) continue
      samples.set(`${s.name} ${last.startedAt}`, last.durationMs)
    }
    rss.push(procSample(pid).rssKb)
  }
  const last = procSample(pid)
  const passes = stats([...samples.values()])
  return {
    passMs: passes.median,
    passP95Ms: passes.p95,
    passes: passes.n,
    rssMb: stats(rss).median / 1024,
    cpuPercent: cpuPercent(first, last),
    cpuMsPerPass: passes.n === 0 ? Number.NaN : cpuMsOf(first, last) / passes.n,
  }
}

// ---------------------------------------------------------------- `fleetd plan`

const fleetdPlanMs = async (root: string, file: string, fleet: string, runs = 7): Promise<number> => {
  const samples: Array<number> = []
  for (let i = 0; i <= runs; i++) {
    const run = await timeCommand(
      process.execPath,
      [`${root}bin/fleetd.js`, "plan", "-f", file, "--fleet", fleet],
      {
        ...process.env,
        DOCKER_HOST: host,
      },
    )
    if (run.code !== 0 && run.code !== 2)
      throw new Error(`fleetd plan exited ${run.code}:\n${run.stdout}\n${run.stderr}`)
    if (i > 0) samples.push(run.ms)
  }
  return stats(samples).median
}

// ---------------------------------------------------------------- the curve

interface Point {
  readonly label: string
  readonly checkout: string
  readonly services: number
  readonly planMs: number
  readonly planCpuMs: number
  readonly cliPlanMs: number | undefined
  readonly daemon: DaemonFigures
}

const points: Array<Point> = []
const row = (p: Point): string =>
  [
    p.label,
    p.checkout,
    String(p.services),
    `${p.daemon.passMs.toFixed(1)} (p95 ${p.daemon.passP95Ms.toFixed(1)}, n=${p.daemon.passes})`,
    `${((p.daemon.passMs / p.services) * 1000).toFixed(0)} µs`,
    p.daemon.cpuMsPerPass.toFixed(1),
    `${p.planMs.toFixed(2)} (CPU ${p.planCpuMs.toFixed(2)})`,
    `${((p.planCpuMs / p.services) * 1000).toFixed(1)} µs`,
    p.cliPlanMs === undefined ? "—" : p.cliPlanMs.toFixed(0),
    p.daemon.rssMb.toFixed(1),
    p.daemon.cpuPercent.toFixed(1),
  ].join(" | ")
const header =
  "point | checkout | services | no-op pass ms (median) | per service | CPU ms per pass | plan() ms (CPU ms) | per service (CPU) | `fleetd plan` ms | RSS MB | CPU %"

/** The checkout's own plan() (its src/), so plan() is compared side by side too. */
const planOf = async (root: string): Promise<typeof Plan> => (await import(`${root}src/planner/plan.ts`)).plan

const launchOf = (root: string) => [`${root}bin/fleetd.js`]
const profEnv = cpuProf === undefined ? {} : { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${cpuProf}` } }
const checkoutName = (root: string) => (root === repoRoot ? "this" : root)

console.log(`# scale curve on ${kind}: ${await engineVersion(host)}; ${polls} polls per point`)
console.log(`# checkouts: ${checkouts.map(checkoutName).join(", ")}; fleet ${fleetName}`)
console.log(header)

const scope = Effect.runSync(Scope.make())
const remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
const sourceCount = Math.max(0, ...sourcePoints)
const repos = await makeBenchSources(sourceCount, sourceManifest)
const sourcePrefix = `${fleetName}-src`
try {
  // One fleet, grown to each point in turn. A reused fleet (BENCH_SCALE_FLEET) only grows:
  // a smaller manifest would remove the containers beyond it.
  let size = (
    await rawClient(host).listContainers({ all: true, filters: { label: [`${Labels.fleet}=${fleetName}`] } })
  ).length
  for (const services of [...servicePoints].sort((a, b) => a - b)) {
    if (services < size) {
      console.log(`# point ${services} skipped: fleet ${fleetName} already has ${size} containers`)
      continue
    }
    const first = Math.min(services, size + growStep)
    pushManifest(remote, manifest(first))
    const grower = await startBenchDaemon({
      what: "scale",
      host,
      services: first,
      interval: "1s",
      remote,
      fleet: fleetName,
      keep: true,
      convergeTimeoutMs: 20 * 60_000,
    })
    try {
      for (let n = first; n < services; ) {
        n = Math.min(services, n + growStep)
        grower.push(manifest(n))
        await awaitConverged(grower.daemon, fleetName, n, 10 * 60_000)
      }
    } finally {
      await grower.close()
    }
    size = services
    const file = writeManifest(manifest(services))
    for (const root of checkouts) {
      const pure = planMs(await planOf(root), 1, services)
      const bench = await startBenchDaemon({
        what: "scale",
        host,
        services,
        interval: "1s",
        remote,
        fleet: fleetName,
        keep: true,
        launch: launchOf(root),
        ...profEnv,
      })
      let daemon: DaemonFigures
      try {
        daemon = await watchDaemon(bench.pid, async () => {
          const s = await bench.daemon.status()
          return { sources: [{ ...s, name: "default" }] } as unknown as DaemonStatus
        })
      } finally {
        await bench.close()
      }
      const cliPlanMs = await fleetdPlanMs(root, file, fleetName)
      const point = {
        label: "1 source",
        checkout: checkoutName(root),
        services,
        planMs: pure.wall,
        planCpuMs: pure.cpu,
        cliPlanMs,
        daemon,
      }
      points.push(point)
      console.log(row(point))
    }
  }

  // The sources: the first N of one set of repositories, grown 5 sources (50 containers) at a time.
  let grown = 0
  for (const count of [...sourcePoints].sort((a, b) => a - b)) {
    for (let n = grown; n < count; ) {
      n = Math.min(count, n + 5)
      const grower = await startSourcesDaemon({
        host,
        port: await freePort(),
        sources: repos.sources.slice(0, n),
        services: perSource,
        fleetPrefix: sourcePrefix,
        interval: "1s",
        keep: true,
        convergeTimeoutMs: 20 * 60_000,
      })
      await grower.close()
    }
    grown = count
    for (const root of checkouts) {
      const pure = planMs(await planOf(root), count, perSource)
      const running = await startSourcesDaemon({
        host,
        port: await freePort(),
        sources: repos.sources.slice(0, count),
        services: perSource,
        fleetPrefix: sourcePrefix,
        interval: "1s",
        keep: true,
        launch: launchOf(root),
        ...profEnv,
      })
      let daemon: DaemonFigures
      try {
        daemon = await watchDaemon(
          running.pid,
          async () => (await running.daemon.status()) as unknown as DaemonStatus,
        )
      } finally {
        await running.close()
      }
      const point = {
        label: `${count} sources × ${perSource}`,
        checkout: checkoutName(root),
        services: count * perSource,
        planMs: pure.wall,
        planCpuMs: pure.cpu,
        cliPlanMs: undefined,
        daemon,
      }
      points.push(point)
      console.log(row(point))
    }
  }
} finally {
  if (keep) console.log(`# kept: BENCH_SCALE_FLEET=${fleetName} (sources ${sourcePrefix}-sNN)`)
  else {
    await removeFleet(host, fleetName)
    for (const s of repos.sources) await removeFleet(host, `${sourcePrefix}-${s.name}`)
  }
  await repos.close()
  await Effect.runPromise(Scope.close(scope, Exit.void))
}

for (const p of points.filter((p) => p.label === "1 source" && p.services === 1000))
  console.log(
    `1,000 services (${p.checkout}): no-op pass ${p.daemon.passMs.toFixed(1)} ms (target < 150: ${p.daemon.passMs < 150 ? "MET" : "MISSED"}), ` +
      `plan() ${p.planMs.toFixed(2)} ms, CPU ${p.planCpuMs.toFixed(2)} ms (target < 20: ${p.planMs < 20 ? "MET" : p.planCpuMs < 20 ? "MET in CPU time, wall time inflated by the machine's load" : "MISSED"})`,
  )
console.log(
  "For N sources the pass figure is one source's pass (each source passes on its own, every interval); plan() is the sum over the sources; CPU per pass is the daemon's CPU over the window divided by the passes of all its sources.",
)
