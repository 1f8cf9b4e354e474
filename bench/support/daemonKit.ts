/**
 * What the daemon benchmarks share: a `fleetd run` child tracking a bare repository
 * over file:// (the end-to-end test helpers, reused), waiting for convergence, pass
 * records from its JSON logs, histogram deltas from /metrics, and CPU/RSS samples
 * from /proc. Benchmarks measure; they never assert.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type Docker from "dockerode"
import { Effect, Exit, Scope } from "effect"
import type { DaemonStatus, SourceStatus } from "../../src/domain/FleetStatus.ts"
import { type Daemon, eventually, startDaemon } from "../../test/support/daemon.ts"
import { freePort } from "../../test/support/freePort.ts"
import { type GitRemote, makeGitRemote } from "../../test/support/gitRemote.ts"
import { benchFleet, fleetYaml, removeFleet, stats } from "./benchKit.ts"

export interface BenchDaemon {
  readonly daemon: Daemon
  readonly remote: GitRemote
  readonly fleet: string
  readonly pid: number
  /** Commits a new fleet.yaml and pushes it (not timed by callers: the forge's side). */
  readonly push: (manifest: string) => string
  /** Stops the daemon (SIGTERM), removes the fleet's containers, the repository and the data dir. */
  readonly close: () => Promise<void>
}

export interface BenchDaemonOptions {
  readonly what: string
  readonly host: string
  readonly services: number
  readonly interval: string
  readonly envValue?: (i: number) => string
  /** The services' command (benchKit's default sleeper unless given). */
  readonly command?: string
  /** Extra environment for the daemon (e.g. NODE_OPTIONS for a profile). */
  readonly env?: Record<string, string>
  /** Node's arguments before `run` (flags, script of another checkout); this checkout's bin/fleetd.js when absent. */
  readonly launch?: ReadonlyArray<string>
  /** `x-fleetd.update.min_ready` of every service (fleetd's default 5 s gate when absent). */
  readonly minReady?: string
  /** How long the first pass may take (creating 100 containers on a busy machine is slow). */
  readonly convergeTimeoutMs?: number
  /**
   * Follow this repository (its fleet.yaml already pushed) instead of a fresh one made
   * from `services`/`envValue`/`command`/`minReady`; the caller removes it.
   */
  readonly remote?: GitRemote
  /** This fleet name instead of a fresh one (e.g. one whose containers already run). */
  readonly fleet?: string
  /** `close()` leaves the fleet's containers (another daemon reuses them). */
  readonly keep?: boolean
}

/** Commits `manifest` as fleet.yaml and pushes it; returns the commit. */
export const pushManifest = (remote: GitRemote, manifest: string): string => {
  const sha = remote.commit({ "fleet.yaml": manifest })
  remote.push()
  return sha
}

/** Starts `fleetd run` on a fresh fleet of `services` and waits until every one is Synced. */
export const startBenchDaemon = async (options: BenchDaemonOptions): Promise<BenchDaemon> => {
  const fleet = options.fleet ?? benchFleet(options.what)
  const scope = Effect.runSync(Scope.make())
  const remote = options.remote ?? (await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope))))
  const push = (manifest: string) => pushManifest(remote, manifest)
  if (options.remote === undefined)
    push(fleetYaml(options.services, options.envValue, options.command, options.minReady))
  const dataDir = mkdtempSync(join(tmpdir(), "fleetd-bench-data-"))
  const daemon = startDaemon(
    ["--repo", remote.url, "--fleet", fleet, "--interval", options.interval, "--data-dir", dataDir],
    {
      dockerHost: options.host,
      port: await freePort(),
      ...(options.env ? { env: options.env } : {}),
      ...(options.launch ? { launch: options.launch } : {}),
    },
  )
  const close = async () => {
    if (daemon.process.exitCode === null) await daemon.stop()
    if (options.keep !== true) await removeFleet(options.host, fleet)
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    await awaitConverged(daemon, fleet, options.services, options.convergeTimeoutMs)
  } catch (error) {
    await close()
    throw error
  }
  const pid = daemon.process.pid
  if (pid === undefined) throw new Error("fleetd has no pid")
  return { daemon, remote, fleet, pid, push, close }
}

/** Waits until the daemon's only source has `services` services, every one Synced. */
export const awaitConverged = (
  daemon: Daemon,
  fleet: string,
  services: number,
  timeoutMs = 180_000,
): Promise<true> =>
  eventually(
    `fleet ${fleet} converged`,
    async () => {
      if (daemon.process.exitCode !== null) throw new Error(`fleetd exited:\n${daemon.logs()}`)
      const s = await daemon.status()
      return s.phase === "Synced" &&
        s.services.length === services &&
        s.services.every((x) => x.sync === "Synced")
        ? true
        : undefined
    },
    timeoutMs,
  )

// ---------------------------------------------------------------- daemon figures

/** A histogram's running sum and count, for deltas over a window. */
export interface Histogram {
  readonly sum: number
  readonly count: number
}

export const histogram = async (daemon: Daemon, name: string): Promise<Histogram> => ({
  sum: await daemon.metric(`${name}_sum`),
  count: await daemon.metric(`${name}_count`),
})

/** Mean of the observations between two readings, in ms (the histograms are in seconds). */
export const meanMsBetween = (before: Histogram, after: Histogram): number =>
  after.count === before.count ? Number.NaN : ((after.sum - before.sum) / (after.count - before.count)) * 1000

export interface PassRecord {
  /** When the line was logged (the pass's end), epoch ms. */
  readonly at: number
  readonly durationMs: number
  readonly message: string
  readonly triggers: ReadonlyArray<string>
}

/**
 * The passes in the daemon's JSON logs: every pass ends with one `pass: ...` line
 * carrying `durationMs` (daemonPass.logChangeSet). Reading logs costs the daemon
 * nothing, unlike polling /status while its idle CPU is measured.
 */
export const passRecords = (logs: string): ReadonlyArray<PassRecord> => {
  const out: Array<PassRecord> = []
  for (const line of logs.split("\n")) {
    if (!line.startsWith("{")) continue
    let entry: unknown
    try {
      entry = JSON.parse(line)
    } catch {
      continue
    }
    if (typeof entry !== "object" || entry === null) continue
    const record = entry as {
      readonly message?: unknown
      readonly timestamp?: unknown
      readonly annotations?: { readonly durationMs?: unknown; readonly triggers?: unknown }
    }
    const message = Array.isArray(record.message) ? record.message.join(" ") : String(record.message)
    const duration = record.annotations?.durationMs
    if (!message.startsWith("pass:") || typeof duration !== "number") continue
    const triggers = record.annotations?.triggers
    out.push({
      at: typeof record.timestamp === "string" ? Date.parse(record.timestamp) : Number.NaN,
      durationMs: duration,
      message,
      triggers: Array.isArray(triggers) ? triggers.map(String) : [],
    })
  }
  return out
}

/**
 * Waits until at least `millis` have passed since the last pass started (runLoop spaces
 * passes 1 s apart); of the daemon's only source, or of `source` (`sources[]` of /status).
 */
export const awaitPassSpacing = async (daemon: Daemon, millis = 1200, source?: string): Promise<void> => {
  const started = await eventually("the last pass to finish", async () => {
    const s = source === undefined ? await daemon.status() : await sourceStatus(daemon, source)
    return s !== undefined && s.phase !== "Reconciling" && s.lastPass?.finishedAt !== undefined
      ? Date.parse(s.lastPass.startedAt)
      : undefined
  })
  const wait = started + millis - Date.now()
  if (wait > 0) await sleep(wait)
}

/** One source's part of /status (a daemon run with --config). */
export const sourceStatus = async (daemon: Daemon, name: string): Promise<SourceStatus | undefined> =>
  ((await daemon.status()) as unknown as DaemonStatus).sources.find((s) => s.name === name)

/**
 * Polls `current` every `pollMillis` until it finds a running container other than
 * `oldId` (a replacement: fleetd's `<name>--next`, or the renamed one); returns it and
 * the ms since `t0`.
 */
export const awaitNewRunning = async (
  current: () => Promise<ReadonlyArray<Docker.ContainerInfo>>,
  oldId: string | undefined,
  t0: number,
  what: string,
  pollMillis = 10,
  timeoutMs = 30_000,
): Promise<{ readonly ms: number; readonly id: string }> => {
  for (const deadline = t0 + timeoutMs; performance.now() < deadline; await sleep(pollMillis)) {
    const fresh = (await current()).find((c) => c.Id !== oldId && c.State === "running")
    if (fresh !== undefined) return { ms: performance.now() - t0, id: fresh.Id }
  }
  throw new Error(`${what}: no new container ran within ${timeoutMs / 1000} s`)
}

export const sleep = (millis: number): Promise<void> => new Promise((done) => setTimeout(done, millis))

// ---------------------------------------------------------------- process figures

const clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim())

export interface ProcSample {
  /** Monotonic ms when sampled. */
  readonly at: number
  /** utime + stime of the process, in seconds. */
  readonly cpuSeconds: number
  /** cutime + cstime: its children's (git) CPU, counted as each one exits and is waited for, in seconds. */
  readonly childCpuSeconds: number
  readonly rssKb: number
  /** Peak RSS so far. */
  readonly hwmKb: number
}

/** CPU time and memory of `pid` from /proc (no request to the daemon). */
export const procSample = (pid: number): ProcSample => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  const cutime = Number(fields[13])
  const cstime = Number(fields[14])
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN)
  return {
    at: performance.now(),
    cpuSeconds: (utime + stime) / clockTicks,
    childCpuSeconds: (cutime + cstime) / clockTicks,
    rssKb: kb("VmRSS"),
    hwmKb: kb("VmHWM"),
  }
}

/** Share of one core used between two samples, in percent. */
export const cpuPercent = (from: ProcSample, to: ProcSample): number =>
  ((to.cpuSeconds - from.cpuSeconds) / ((to.at - from.at) / 1000)) * 100

/** The same for the children's CPU (cutime + cstime). */
export const childCpuPercent = (from: ProcSample, to: ProcSample): number =>
  ((to.childCpuSeconds - from.childCpuSeconds) / ((to.at - from.at) / 1000)) * 100

export const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`

export interface IdleFigures {
  /** Length of the window, s. */
  readonly seconds: number
  /** utime+stime over the window, summed over the processes, s. */
  readonly cpuSeconds: number
  /** Median over the samples of the processes' summed VmRSS. */
  readonly rssMedianKb: number
  /** The summed VmRSS of each sample (start, every `everySeconds`, end). */
  readonly rssSumsKb: ReadonlyArray<number>
  /** Summed peak RSS (VmHWM) at the end. */
  readonly hwmKb: number
  /** Each process's VmRSS at the end. */
  readonly rssEachKb: ReadonlyArray<number>
}

/**
 * CPU and memory of idle processes over `seconds`, from /proc only (a request to a
 * daemon would cost it CPU): CPU time at the start and end, summed VmRSS at the start,
 * every `everySeconds` and at the end.
 */
export const idleWindow = async (
  pids: ReadonlyArray<number>,
  seconds: number,
  everySeconds = 5,
): Promise<IdleFigures> => {
  const take = () => pids.map(procSample)
  const total = (samples: ReadonlyArray<ProcSample>, pick: (s: ProcSample) => number) =>
    samples.reduce((sum, s) => sum + pick(s), 0)
  const first = take()
  const t0 = first[0]?.at ?? performance.now()
  const rssSumsKb = [total(first, (s) => s.rssKb)]
  for (let t = everySeconds; t < seconds; t += everySeconds) {
    await sleep(t0 + t * 1000 - performance.now())
    rssSumsKb.push(total(take(), (s) => s.rssKb))
  }
  await sleep(t0 + seconds * 1000 - performance.now())
  const last = take()
  rssSumsKb.push(total(last, (s) => s.rssKb))
  return {
    seconds: ((last[0]?.at ?? t0) - t0) / 1000,
    cpuSeconds: total(last, (s) => s.cpuSeconds) - total(first, (s) => s.cpuSeconds),
    rssMedianKb: stats(rssSumsKb).median,
    rssSumsKb,
    hwmKb: total(last, (s) => s.hwmKb),
    rssEachKb: last.map((s) => s.rssKb),
  }
}
