/**
 * What every benchmark shares: fleet files of N services, unique fleet names, the test
 * engines' addresses, statistics, timing of whole commands, cleanup by fleet label and
 * a socket proxy that counts HTTP requests. Benchmarks measure; they never assert.
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { createConnection, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Docker from "dockerode"
import { Labels } from "../../src/domain/labels.ts"

export const repoRoot = new URL("../..", import.meta.url).pathname

// ---------------------------------------------------------------- fleets and files

/** The image and command of every bench service: tiny, stops at once on TERM, no ports. */
export const benchImage = "fleetd-test/app:v1"
const sleeperCommand = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]`

/**
 * Like the default command, but exits the moment TERM arrives: the shell runs a trap
 * only after the current foreground command, so with `sleep 1` a stop takes anywhere
 * from 0 to 1 s; `wait` on a background sleep is interrupted at once. For benchmarks
 * that time a stop.
 */
export const promptStopCommand = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1 & wait $$!; done"]`

/**
 * One process that neither forks nor wakes: for fleets of hundreds of containers
 * (bench/scale.ts), where the default sleeper's `sleep 1` every second would make 1,000
 * containers fork 1,000 processes a second and measure that, not fleetd. busybox `sleep`
 * as PID 1 ignores TERM: a stop waits the grace period, so only for fleets removed by force.
 */
export const quietCommand = `["sleep", "1000000"]`

export const serviceName = (i: number): string => `s${String(i).padStart(4, "0")}`

/**
 * fleetd's health gate off: a created or replaced container counts as done once it runs
 * (`x-fleetd.update.min_ready: 0s`), as docker-compose `up -d` does. Without it every
 * create/replace waits the default 5 s (min_ready) before it counts as done.
 */
export const noGate = "0s"

/**
 * A Compose file of `count` services that both fleetd and docker-compose 1.29 accept
 * (no top-level `name:`, which 1.29 rejects: the fleet/project name is given on the
 * command line). `envValue` lets a caller change the environment of chosen services.
 * `minReady` adds `x-fleetd.update.min_ready` to every service (an extension field,
 * which docker-compose 1.29 accepts and ignores); without it fleetd's default gate applies.
 */
export const fleetYaml = (
  count: number,
  envValue: (i: number) => string = () => "1",
  command: string = sleeperCommand,
  minReady?: string,
  tracked?: TrackedService,
): string => {
  const lines = ["services:"]
  for (let i = 0; i < count; i++) {
    const tracks = tracked?.index === i
    lines.push(
      `  ${serviceName(i)}:`,
      `    image: ${tracks ? tracked.image : benchImage}`,
      `    command: ${command}`,
      `    stop_grace_period: 2s`,
      `    environment:`,
      `      BENCH_INDEX: "${i}"`,
      `      BENCH_VALUE: "${envValue(i)}"`,
    )
    if (minReady !== undefined || tracks) lines.push(`    x-fleetd:`)
    if (tracks) lines.push(`      track: digest`)
    if (minReady !== undefined) lines.push(`      update:`, `        min_ready: ${minReady}`)
  }
  return `${lines.join("\n")}\n`
}

/** One service of a `fleetYaml` fleet that runs `image` and follows its tag by digest (`x-fleetd.track`). */
export interface TrackedService {
  readonly index: number
  readonly image: string
}

/** A fleet (and compose project) name no other run or test uses. */
export const benchFleet = (what: string): string => `bench-${what}-${randomBytes(3).toString("hex")}`

/** Writes `text` as `fleet.yaml` in a fresh temporary directory; returns its path. */
export const writeManifest = (text: string, name = "fleet.yaml"): string => {
  const file = join(mkdtempSync(join(tmpdir(), "fleetd-bench-")), name)
  writeFileSync(file, text)
  return file
}

// ---------------------------------------------------------------- engines

export type EngineKind = "docker" | "podman"

/** The private test engines (test/support/engines.sh), from the environment or `.engines/env`. */
export const engineHost = (kind: EngineKind): string => {
  const variable = kind === "docker" ? "FLEETD_TEST_DOCKER_HOST" : "FLEETD_TEST_PODMAN_HOST"
  const fromEnv = process.env[variable]
  if (fromEnv) return fromEnv
  let envFile = ""
  try {
    envFile = readFileSync(join(repoRoot, ".engines/env"), "utf8")
  } catch {}
  const match = new RegExp(`${variable}=(\\S+)`).exec(envFile)
  if (match?.[1] === undefined)
    throw new Error(
      `${variable} is not set: run \`bash test/support/engines.sh start\` (or \`npm run bench\`)`,
    )
  return match[1]
}

const socketPath = (host: string): string => host.replace(/^unix:\/\//, "")

export const rawClient = (host: string): Docker => new Docker({ socketPath: socketPath(host) })

export const engineVersion = async (host: string): Promise<string> => {
  const v = await rawClient(host).version()
  const product = v.Components?.[0]?.Name ?? "Engine"
  return `${product} ${v.Version} (API ${v.ApiVersion})`
}

const removeBatch = 8

/**
 * Removes the containers and networks labelled `fleetd.fleet=<fleet>` and the fleet's
 * lease records (volumes labelled `fleetd.lease=<fleet>`, which a daemon leaves behind
 * when it lets go: docs/lease.md), and nothing else.
 */
export const removeFleet = async (host: string, fleet: string): Promise<number> => {
  const docker = rawClient(host)
  const filters = { label: [`${Labels.fleet}=${fleet}`] }
  const containers = await docker.listContainers({ all: true, filters })
  // A few at a time: 1,000 force-removes at once (bench/scale.ts) overloaded the shared
  // 2-core machine until dockerd died.
  for (let i = 0; i < containers.length; i += removeBatch)
    await Promise.all(
      containers.slice(i, i + removeBatch).map((c) =>
        retry(() =>
          docker
            .getContainer(c.Id)
            .remove({ force: true, v: true })
            .catch((e: { statusCode?: number }) => {
              if (e.statusCode !== 404) throw e
            }),
        ),
      ),
    )
  const networks = await docker.listNetworks({ filters })
  await Promise.all(networks.map((n) => retry(() => docker.getNetwork(n.Id).remove())))
  const leases = await docker.listVolumes({ filters: { label: [`fleetd.lease=${fleet}`] } })
  // A record may already be gone: the holder removes older ones as it renews.
  await Promise.all(
    (leases.Volumes ?? []).map((v) =>
      docker
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined),
    ),
  )
  return containers.length
}

/**
 * Removes the engine's references to `repository` (`127.0.0.1:PORT/bench/<fleet>`): the
 * tags a push made (`repository:tag`) and the digests a pull made (`repository@sha256:...`).
 * Never forced: an image that other names or containers still use keeps them (the test
 * images behind a pushed tag stay), only these references go.
 */
export const removeImageReferences = async (host: string, repository: string): Promise<number> => {
  const docker = rawClient(host)
  const references = (await docker.listImages()).flatMap((image) => [
    ...(image.RepoTags ?? []).filter((t) => t.startsWith(`${repository}:`)),
    ...(image.RepoDigests ?? []).filter((d) => d.startsWith(`${repository}@`)),
  ])
  let removed = 0
  // A digest reference can go with its tag (Podman lists both for one name).
  for (const reference of new Set(references))
    await docker
      .getImage(reference)
      .remove()
      .then(() => removed++)
      .catch(() => undefined)
  return removed
}

/**
 * Retries a cleanup step: dockerd 20.10 may say a network "has active endpoints" for
 * a moment after its last container was removed.
 */
export const retry = async <A>(step: () => Promise<A>, attempts = 10): Promise<A> => {
  for (let i = 1; ; i++) {
    try {
      return await step()
    } catch (e) {
      if (i >= attempts) throw e
      await new Promise((done) => setTimeout(done, 300))
    }
  }
}

const countLabelled = async (host: string, label: string): Promise<number> =>
  (await rawClient(host).listContainers({ all: true, filters: { label: [label] } })).length

/** Counts the containers of a fleet (by fleetd's label). */
export const countFleetContainers = (host: string, fleet: string): Promise<number> =>
  countLabelled(host, `${Labels.fleet}=${fleet}`)

/** Counts the containers of a compose project (by Compose's own label). */
export const countComposeContainers = (host: string, project: string): Promise<number> =>
  countLabelled(host, `com.docker.compose.project=${project}`)

// ---------------------------------------------------------------- statistics and timing

export interface Stats {
  readonly n: number
  readonly median: number
  readonly p90: number
  readonly p95: number
  readonly min: number
  readonly max: number
}

const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN
  const at = (sorted.length - 1) * q
  const lo = Math.floor(at)
  const hi = Math.ceil(at)
  const a = sorted[lo] ?? Number.NaN
  const b = sorted[hi] ?? Number.NaN
  return a + (b - a) * (at - lo)
}

export const stats = (samples: ReadonlyArray<number>): Stats => {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p95: quantile(sorted, 0.95),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  }
}

export const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 1)} ms`

export const describe = (s: Stats): string =>
  `median ${ms(s.median)}, p95 ${ms(s.p95)}, min ${ms(s.min)}, max ${ms(s.max)} (n=${s.n})`

export const verdict = (met: boolean): string => (met ? "MET" : "MISSED")

export interface CommandRun {
  readonly ms: number
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to completion and measures its wall time as a user would see it. */
export const timeCommand = (
  command: string,
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<CommandRun> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString()
    })
    child.on("error", reject)
    child.on("close", (code) => resolve({ ms: performance.now() - started, code, stdout, stderr }))
  })

/** Like timeCommand, but a non-zero exit is an error (with the command's output). */
export const runOk = async (
  command: string,
  args: ReadonlyArray<string>,
  env?: Readonly<Record<string, string | undefined>>,
): Promise<CommandRun> => {
  const run = await timeCommand(command, args, env)
  if (run.code !== 0)
    throw new Error(`${command} ${args.join(" ")} exited ${run.code}:\n${run.stdout}\n${run.stderr}`)
  return run
}

// ---------------------------------------------------------------- request counting

export interface CountingProxy {
  /** `unix:///...`: point an engine client here instead of at the engine. */
  readonly host: string
  /** Request lines seen since the last `take()`, e.g. `GET /v1.41/containers/json?...`. */
  readonly take: () => ReadonlyArray<string>
  readonly close: () => Promise<void>
}

const requestLine = /(?:^|\r\n)((?:GET|HEAD|POST|PUT|DELETE) \S+) HTTP\/1\.[01]\r\n/g

/**
 * A Unix-socket proxy in front of an engine that records every HTTP request passing
 * through it: the count below fleetd's own ContainerEngine, so a handshake (/version)
 * shows up too. Only for counting; timings are taken without it.
 */
export const countingProxy = (upstream: string): Promise<CountingProxy> => {
  const path = join(mkdtempSync(join(tmpdir(), "fleetd-bench-proxy-")), "engine.sock")
  let seen: Array<string> = []
  const server = createServer((client) => {
    const engine = createConnection(socketPath(upstream))
    client.on("data", (chunk: Buffer) => {
      for (const m of chunk.toString("latin1").matchAll(requestLine)) if (m[1] !== undefined) seen.push(m[1])
    })
    client.pipe(engine).pipe(client)
    client.on("error", () => engine.destroy())
    engine.on("error", () => client.destroy())
  })
  return new Promise((resolve) =>
    server.listen(path, () =>
      resolve({
        host: `unix://${path}`,
        take: () => {
          const out = seen
          seen = []
          return out
        },
        close: () =>
          new Promise((done) => {
            server.close(() => done())
            // Keep-alive sockets would hold the server open.
            server.unref()
          }),
      }),
    ),
  )
}

/** `GET /v1.41/containers/json?...` → `GET /containers/json`. */
export const shortRequest = (line: string): string => line.replace(/\/v\d+\.\d+\//, "/").replace(/\?.*$/, "")
