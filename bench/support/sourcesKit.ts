/**
 * Many sources for the daemon benchmarks: N bare repositories over file://, each with
 * its own webhook repository name and secret, and one `fleetd run --config FILE`
 * following all of them (docs/config-file.md), waited on until every source converged.
 * Benchmarks measure; they never assert.
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Scope } from "effect"
import { type Daemon, eventually, startDaemon } from "../../test/support/daemon.ts"
import { type GitRemote, makeGitRemote } from "../../test/support/gitRemote.ts"
import { removeFleet } from "./benchKit.ts"
import { pushManifest, sourceStatus } from "./daemonKit.ts"

export interface BenchSource {
  /** The config file's source name: `s00`, `s01`, ... */
  readonly name: string
  /** What its deliveries name (`repository.full_name`), its `webhook.repository`. */
  readonly repository: string
  readonly secret: string
  /** The variable of fleetd's environment that holds `secret` (`webhook.secret_env`). */
  readonly secretEnv: string
  readonly remote: GitRemote
  /** Commits and pushes a new fleet.yaml (the forge's side: untimed by callers). */
  readonly push: (manifest: string) => string
}

export interface BenchSources {
  readonly sources: ReadonlyArray<BenchSource>
  /** Removes the repositories. */
  readonly close: () => Promise<void>
}

/**
 * `count` repositories, source `k`'s with `manifest(k)` pushed, each with a secret of
 * its own (`secret(k)` when given: e.g. one a registry was started with).
 */
export const makeBenchSources = async (
  count: number,
  manifest: (k: number) => string,
  secret: (k: number) => string = () => randomBytes(16).toString("hex"),
): Promise<BenchSources> => {
  const scope = Effect.runSync(Scope.make())
  const sources: Array<BenchSource> = []
  for (let k = 0; k < count; k++) {
    const remote = await Effect.runPromise(makeGitRemote().pipe(Scope.provide(scope)))
    const name = `s${String(k).padStart(2, "0")}`
    pushManifest(remote, manifest(k))
    sources.push({
      name,
      repository: `bench/${name}`,
      secret: secret(k),
      secretEnv: `BENCH_HOOK_SECRET_${name.toUpperCase()}`,
      remote,
      push: (text) => pushManifest(remote, text),
    })
  }
  return { sources, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

export interface SourcesDaemon {
  readonly daemon: Daemon
  readonly pid: number
  /** The fleet source `name` applies (the config file's `fleet:`). */
  readonly fleetOf: (name: string) => string
  /** Stops the daemon (SIGTERM), removes every source's fleet (unless `keep`) and the config/data dir. */
  readonly close: () => Promise<void>
}

export interface SourcesDaemonOptions {
  readonly host: string
  readonly port: number
  readonly sources: ReadonlyArray<BenchSource>
  /** Services per source, to know when a source has converged. */
  readonly services: number
  /** Fleet of source `s03` is `<fleetPrefix>-s03`. */
  readonly fleetPrefix: string
  readonly interval: string
  readonly convergeTimeoutMs?: number
  /** Node's arguments before `--config` (another checkout's bin/fleetd.js); this checkout's when absent. */
  readonly launch?: ReadonlyArray<string>
  /** `close()` leaves the sources' containers (another daemon reuses them). */
  readonly keep?: boolean
}

/** `fleetd run --config FILE` following every source, once all of them are Synced. */
export const startSourcesDaemon = async (options: SourcesDaemonOptions): Promise<SourcesDaemon> => {
  const dir = mkdtempSync(join(tmpdir(), "fleetd-bench-sources-"))
  const configFile = join(dir, "fleetd.yaml")
  const fleetOf = (name: string) => `${options.fleetPrefix}-${name}`
  writeFileSync(
    configFile,
    [
      `data_dir: ${join(dir, "data")}`,
      "sources:",
      ...options.sources.flatMap((s) => [
        `  - name: ${s.name}`,
        `    repo: ${s.remote.url}`,
        `    fleet: ${fleetOf(s.name)}`,
        `    interval: ${options.interval}`,
        "    webhook:",
        `      repository: ${s.repository}`,
        `      secret_env: ${s.secretEnv}`,
      ]),
      "",
    ].join("\n"),
  )
  const daemon = startDaemon(["--config", configFile], {
    dockerHost: options.host,
    port: options.port,
    env: Object.fromEntries(options.sources.map((s) => [s.secretEnv, s.secret])),
    ...(options.launch ? { launch: options.launch } : {}),
  })
  const close = async () => {
    if (daemon.process.exitCode === null) await daemon.stop()
    if (options.keep !== true)
      for (const s of options.sources) await removeFleet(options.host, fleetOf(s.name))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    await eventually(
      `${options.sources.length} sources converged`,
      async () => {
        if (daemon.process.exitCode !== null) throw new Error(`fleetd exited:\n${daemon.logs()}`)
        for (const s of options.sources) {
          const status = await sourceStatus(daemon, s.name)
          // Not the phase: with --interval 1s and dozens of sources, some source is always
          // `Reconciling` (its status keeps the services of its last finished pass).
          if (
            status === undefined ||
            status.lastAppliedRevision === undefined ||
            status.services.length !== options.services ||
            !status.services.every((x) => x.sync === "Synced")
          )
            return undefined
        }
        return true
      },
      options.convergeTimeoutMs ?? 300_000,
    )
  } catch (error) {
    await close()
    throw error
  }
  const pid = daemon.process.pid
  if (pid === undefined) throw new Error("fleetd has no pid")
  return { daemon, pid, fleetOf, close }
}
