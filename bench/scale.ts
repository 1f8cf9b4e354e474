/**
 * The scale curve: how a no-op pass, plan and memory grow with the fleet.
 *
 *   node bench/scale.ts [docker|podman] [polls] [services,...] [sources,...] [services per source]
 *
 * Defaults: docker, 15 polls, 10,100,1000 services in one fleet, 1,10,50 sources of 10
 * services each. For every point:
 * - plan(), pure and in-process: the point's fleet.yaml through manifestFromText, and an
 *   ObservedState of its containers labelled as the applier labels them (nothing to do),
 *   median over repeated calls; for N sources, the sum of one plan() per source (each
 *   source plans its own fleet);
 * - `fleetd plan -f FILE --fleet F` as a fresh process (services points: the daemon's
 *   fleet, applied, so there is nothing to do), median over runs;
 * - `fleetd run` on that fleet (one --repo, or --config with N sources), --interval 1s,
 *   its containers real and running: /status read once a second, each distinct
 *   `lastPass.durationMs` a sample (for N sources: every source's last pass);
 * - the daemon's VmRSS (median of the samples taken with the polls) and CPU over the window.
 * Targets (issue 11): 1,000 services no-op pass < 150 ms, plan() < 20 ms; nothing grows
 * faster than linearly (the per-service figure stays flat or falls).
 */
import { createHash } from "node:crypto"
import { containerLabels } from "../src/domain/containerLabels.ts"
import type { DesiredState } from "../src/domain/DesiredState.ts"
import type { DaemonStatus } from "../src/domain/FleetStatus.ts"
import { normalizeImageRef } from "../src/domain/imageRef.ts"
import type { ObservedContainer, ObservedState } from "../src/domain/ObservedState.ts"
import { specHash } from "../src/domain/specHash.ts"
import { manifestFromText } from "../src/manifest/manifestFromText.ts"
import { plan } from "../src/planner/plan.ts"
import { freePort } from "../test/support/freePort.ts"
import {
  benchImage,
  type EngineKind,
  engineHost,
  engineVersion,
  fleetYaml,
  noGate,
  repoRoot,
  stats,
  timeCommand,
  writeManifest,
} from "./support/benchKit.ts"
import { cpuPercent, procSample, sleep, startBenchDaemon } from "./support/daemonKit.ts"
import { makeBenchSources, startSourcesDaemon } from "./support/sourcesKit.ts"

const kind: EngineKind = process.argv[2] === "podman" ? "podman" : "docker"
const polls = Number(process.argv[3] ?? 15)
const list = (arg: string | undefined, fallback: ReadonlyArray<number>) =>
  arg === undefined ? fallback : arg.split(",").map(Number)
const servicePoints = list(process.argv[4], [10, 100, 1000])
const sourcePoints = list(process.argv[5], [1, 10, 50])
const perSource = Number(process.argv[6] ?? 10)
const host = engineHost(kind)
const imageId = `sha256:${"1".repeat(64)}`

// ---------------------------------------------------------------- plan(), pure

const desiredOf = (fleet: string, services: number): DesiredState => {
  const result = manifestFromText({
    file: "fleet.yaml",
    text: fleetYaml(services, undefined, undefined, noGate),
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
const planMs = (sources: number, services: number): number => {
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
  const samples: Array<number> = []
  for (let i = 0; i < rounds + 10; i++) {
    const started = performance.now()
    for (const f of fleets) plan(f.desired, f.observed)
    if (i >= 10) samples.push(performance.now() - started)
  }
  return stats(samples).median
}

// ---------------------------------------------------------------- the daemon

interface DaemonFigures {
  readonly passMs: number
  readonly passP95Ms: number
  readonly passes: number
  readonly rssMb: number
  readonly cpuPercent: number
}

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
  }
}

// ---------------------------------------------------------------- `fleetd plan`

const fleetdPlanMs = async (file: string, fleet: string, runs = 7): Promise<number> => {
  const samples: Array<number> = []
  for (let i = 0; i <= runs; i++) {
    const run = await timeCommand(
      process.execPath,
      [`${repoRoot}bin/fleetd.js`, "plan", "-f", file, "--fleet", fleet],
      { ...process.env, DOCKER_HOST: host },
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
  readonly services: number
  readonly planMs: number
  readonly cliPlanMs: number | undefined
  readonly daemon: DaemonFigures
}

const points: Array<Point> = []
const row = (p: Point): string =>
  [
    p.label,
    String(p.services),
    `${p.daemon.passMs.toFixed(1)} (p95 ${p.daemon.passP95Ms.toFixed(1)}, n=${p.daemon.passes})`,
    `${((p.daemon.passMs / p.services) * 1000).toFixed(0)} µs`,
    p.planMs.toFixed(2),
    `${((p.planMs / p.services) * 1000).toFixed(1)} µs`,
    p.cliPlanMs === undefined ? "—" : p.cliPlanMs.toFixed(0),
    p.daemon.rssMb.toFixed(1),
    p.daemon.cpuPercent.toFixed(1),
  ].join(" | ")
const header =
  "point | services | no-op pass ms (median) | per service | plan() ms | per service | `fleetd plan` ms | RSS MB | CPU %"

console.log(`# scale curve on ${kind}: ${await engineVersion(host)}; ${polls} polls per point`)
console.log(header)

for (const services of servicePoints) {
  const bench = await startBenchDaemon({
    what: "scale",
    host,
    services,
    interval: "1s",
    minReady: noGate,
    convergeTimeoutMs: 20 * 60_000,
  })
  try {
    const daemon = await watchDaemon(bench.pid, async () => {
      const s = await bench.daemon.status()
      return { sources: [{ ...s, name: "default" }] } as unknown as DaemonStatus
    })
    const file = writeManifest(fleetYaml(services, undefined, undefined, noGate))
    const cliPlanMs = await fleetdPlanMs(file, bench.fleet)
    const point = { label: "1 source", services, planMs: planMs(1, services), cliPlanMs, daemon }
    points.push(point)
    console.log(row(point))
  } finally {
    await bench.close()
  }
}

for (const count of sourcePoints) {
  const repos = await makeBenchSources(count, () => fleetYaml(perSource, undefined, undefined, noGate))
  try {
    const running = await startSourcesDaemon({
      host,
      port: await freePort(),
      sources: repos.sources,
      services: perSource,
      fleetPrefix: `bench-scale-${count}`,
      interval: "1s",
      convergeTimeoutMs: 20 * 60_000,
    })
    try {
      const daemon = await watchDaemon(
        running.pid,
        async () => (await running.daemon.status()) as unknown as DaemonStatus,
      )
      const point = {
        label: `${count} sources × ${perSource}`,
        services: count * perSource,
        planMs: planMs(count, perSource),
        cliPlanMs: undefined,
        daemon,
      }
      points.push(point)
      console.log(row(point))
    } finally {
      await running.close()
    }
  } finally {
    await repos.close()
  }
}

const thousand = points.find((p) => p.label === "1 source" && p.services === 1000)
if (thousand !== undefined)
  console.log(
    `1,000 services: no-op pass ${thousand.daemon.passMs.toFixed(1)} ms (target < 150: ${thousand.daemon.passMs < 150 ? "MET" : "MISSED"}), ` +
      `plan() ${thousand.planMs.toFixed(2)} ms (target < 20: ${thousand.planMs < 20 ? "MET" : "MISSED"})`,
  )
console.log(
  "For N sources the pass figure is one source's pass (each source passes on its own, every interval); plan() is the sum over the sources.",
)
