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
import { Effect, Exit, Scope } from "effect"
import { type Daemon, eventually, startDaemon } from "../../test/support/daemon.ts"
import { freePort } from "../../test/support/freePort.ts"
import { type GitRemote, makeGitRemote } from "../../test/support/gitRemote.ts"
import { benchFleet, fleetYaml, removeFleet } from "./benchKit.ts"

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
  /** `x-fleetd.update.min_ready` of every service (fleetd's default 5 s gate when absent). */
  readonly minReady?: string
  /** How long the first pass may take (creating 100 containers on a busy machine is slow). */
  readonly convergeTimeoutMs?: number
}

/** Starts `fleetd run` on a fresh fleet of `services` and waits until every one is Synced. */
export const startBenchDaemon = async (options: BenchDaemonOptions): Promise<BenchDaemon> => {
  const fleet = benchFleet(options.what)
  const scope = Effect.runSync(Scope.make())
  const remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
  const push = (manifest: string) => {
    const sha = remote.commit({ "fleet.yaml": manifest })
    remote.push()
    return sha
  }
  push(fleetYaml(options.services, options.envValue, options.command, options.minReady))
  const dataDir = mkdtempSync(join(tmpdir(), "fleetd-bench-data-"))
  const daemon = startDaemon(
    ["--repo", remote.url, "--fleet", fleet, "--interval", options.interval, "--data-dir", dataDir],
    { dockerHost: options.host, port: await freePort(), ...(options.env ? { env: options.env } : {}) },
  )
  const close = async () => {
    if (daemon.process.exitCode === null) await daemon.stop()
    await removeFleet(options.host, fleet)
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dataDir, { recursive: true, force: true })
  }
  try {
    await eventually(
      `fleet ${fleet} converged`,
      async () => {
        if (daemon.process.exitCode !== null) throw new Error(`fleetd exited:\n${daemon.logs()}`)
        const s = await daemon.status()
        return s.phase === "Synced" &&
          s.services.length === options.services &&
          s.services.every((x) => x.sync === "Synced")
          ? true
          : undefined
      },
      options.convergeTimeoutMs ?? 180_000,
    )
  } catch (error) {
    await close()
    throw error
  }
  const pid = daemon.process.pid
  if (pid === undefined) throw new Error("fleetd has no pid")
  return { daemon, remote, fleet, pid, push, close }
}

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

/** Waits until at least `millis` have passed since the last pass started (runLoop spaces passes 1 s apart). */
export const awaitPassSpacing = async (daemon: Daemon, millis = 1200): Promise<void> => {
  const started = await eventually("the last pass to finish", async () => {
    const s = await daemon.status()
    return s.phase !== "Reconciling" && s.lastPass?.finishedAt !== undefined
      ? Date.parse(s.lastPass.startedAt)
      : undefined
  })
  const wait = started + millis - Date.now()
  if (wait > 0) await sleep(wait)
}

export const sleep = (millis: number): Promise<void> => new Promise((done) => setTimeout(done, millis))

// ---------------------------------------------------------------- process figures

const clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim())

export interface ProcSample {
  /** Monotonic ms when sampled. */
  readonly at: number
  /** utime + stime of the process, in seconds. */
  readonly cpuSeconds: number
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
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN)
  return {
    at: performance.now(),
    cpuSeconds: (utime + stime) / clockTicks,
    rssKb: kb("VmRSS"),
    hwmKb: kb("VmHWM"),
  }
}

/** Share of one core used between two samples, in percent. */
export const cpuPercent = (from: ProcSample, to: ProcSample): number =>
  ((to.cpuSeconds - from.cpuSeconds) / ((to.at - from.at) / 1000)) * 100

export const mb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`
