/**
 * One run of the SIGKILL campaign (bench/sigkillCampaign.ts, test/e2e/crashSafe.test.ts):
 * `fleetd apply` or `fleetd run` rolls out release n of a one-service fleet and is
 * killed with SIGKILL after a given delay (inside the create, the gate, post_deploy or
 * the rollback, or after it finished); then the next pass runs to the end, and the
 * engine is checked: one container, under the service's name, running the release that
 * should serve (n when it is good, the previous one when it crash-loops or its
 * post_deploy fails), nothing else (no `--next`, `--prev` or hook container), and for a
 * good release, its post_deploy steps ran in it.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type Docker from "dockerode"
import { Labels } from "../../src/domain/labels.ts"
import { execIn } from "./execIn.ts"
import { fleetdBin, runFleetd, startFleetd } from "./runFleetd.ts"
import { rawClient, type TestEngine } from "./testEngines.ts"

export type ReleaseKind = "good" | "crashloop" | "hookfail"
export type CrashMode = "apply" | "run"
export type Order = "start-first" | "stop-first"

/**
 * The fleet's lease (lease.md) of a killed fleetd expires this long after its last
 * renewal: the next pass waits that long first (the default, 30 s, would dominate a run).
 */
export const leaseExpiry = "3s"

/** Gate long enough that a release exiting after 2 s fails it. */
const minReady = "3s"

/**
 * Release n of the fleet. Every release runs as `restart: unless-stopped`; a good one
 * loops, a crash-looping one exits after 2 s (the engine restarts it), a hookfail one
 * runs but its second post_deploy step fails. post_deploy: an exec step that marks the
 * container (so the check sees it ran there) and a one-shot `run` step (so a kill can
 * leave a hook container behind).
 */
export const releaseManifest = (fleet: string, n: number, kind: ReleaseKind, order: Order): string =>
  [
    `name: ${fleet}`,
    "services:",
    "  web:",
    "    image: fleetd-test/app:v1",
    kind === "crashloop"
      ? `    command: ["sh", "-c", "echo release ${n} starting; sleep 2; echo crashed; exit 1"]`
      : `    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1 & wait $$!; done"]`,
    `    environment: { RELEASE: "${n}" }`,
    "    restart: unless-stopped",
    "    stop_grace_period: 1s",
    "    x-fleetd:",
    "      update:",
    `        order: ${order}`,
    `        min_ready: ${minReady}`,
    "      hooks:",
    "        post_deploy:",
    `          - exec: { command: ["sh", "-c", "sleep 0.5; echo ${n} >> /tmp/post_deploy"] }`,
    `          - run: { command: ["sh", "-c", "sleep 1; exit ${kind === "hookfail" ? 1 : 0}"], timeout: 20s }`,
    "",
  ].join("\n")

export interface CrashRunOptions {
  readonly engine: TestEngine
  readonly fleet: string
  /** A directory of the run's own: the manifest (and a daemon's data dir) go there. */
  readonly dir: string
  readonly mode: CrashMode
  readonly kind: ReleaseKind
  readonly order: Order
  /** The release rolled out now. */
  readonly release: number
  /** The release serving before: what must serve after a release that is not good. */
  readonly serving: number
  readonly killAfterMs: number
  /** A free loopback port for `fleetd run`. */
  readonly port: number
}

export interface CrashRunResult {
  /** Where the rollout was when the kill came, from the engine's names just before. */
  readonly killedIn: string
  /** The release serving afterwards (undefined: none). */
  readonly serving: number | undefined
  /** Empty when the next pass converged as it must. */
  readonly problems: ReadonlyArray<string>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const fleetContainers = async (docker: Docker, fleet: string) =>
  docker.listContainers({ all: true, filters: { label: [`${Labels.fleet}=${fleet}`] } })

/** The rollout's phase, as the container names and states show it. */
const phaseOf = (
  fleet: string,
  containers: Awaited<ReturnType<typeof fleetContainers>>,
  sawTrial: boolean,
): string => {
  const next = containers.find((c) => c.Names.includes(`/${fleet}-web--next`))
  const prev = containers.some((c) => c.Names.some((n) => n.startsWith(`/${fleet}-web--prev`)))
  if (containers.some((c) => c.Labels[Labels.hook] !== undefined))
    return "post_deploy (its hook container running)"
  if (prev && next !== undefined) return "between renames (promotion or rollback)"
  if (prev) return "post_deploy"
  if (next === undefined) return sawTrial ? "after the rollout or its rollback finished" : "before the trial"
  if (next.State === "created") return "trial created, not started"
  if (next.State !== "running") return "trial stopped (crash-looping, or being rolled back)"
  return "gate"
}

const startPass = (o: CrashRunOptions, file: string): ChildProcess =>
  o.mode === "apply"
    ? startFleetd(["apply", "-f", file, "--lease-expiry", leaseExpiry], { dockerHost: o.engine.host })
    : spawn(
        process.execPath,
        [
          fleetdBin,
          "run",
          "--dir",
          o.dir,
          "--interval",
          "1h",
          "--listen",
          `127.0.0.1:${o.port}`,
          "--data-dir",
          join(o.dir, "data"),
          "--log-format",
          "json",
          "--lease-expiry",
          leaseExpiry,
        ],
        { env: { ...process.env, DOCKER_HOST: o.engine.host }, stdio: ["ignore", "ignore", "ignore"] },
      )

/** The next pass, to the end: `fleetd apply`, or `fleetd run` until its first pass finished, then SIGTERM. */
const nextPass = async (o: CrashRunOptions, file: string): Promise<string | undefined> => {
  if (o.mode === "apply") {
    const result = await runFleetd(["apply", "-f", file, "--lease-expiry", leaseExpiry], {
      dockerHost: o.engine.host,
    })
    // Exit code 1 is a service that failed or rolled back: expected for a bad release.
    return result.code === 0 || result.code === 1
      ? undefined
      : `the next apply exited ${result.code}: ${result.stderr.slice(-400)}`
  }
  const child = startPass(o, file)
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
  const deadline = Date.now() + 120_000
  let problem: string | undefined
  for (;;) {
    const status = await fetch(`http://127.0.0.1:${o.port}/status`)
      .then((r) => r.json() as Promise<{ lastPass?: { finishedAt?: string } }>)
      .catch(() => undefined)
    if (status?.lastPass?.finishedAt !== undefined) break
    if (Date.now() > deadline) {
      problem = "the next fleetd run did not finish a pass within 120 s"
      break
    }
    await sleep(200)
  }
  child.kill("SIGTERM")
  await exited
  return problem
}

export const crashRun = async (o: CrashRunOptions): Promise<CrashRunResult> => {
  const docker = rawClient(o.engine)
  mkdirSync(o.dir, { recursive: true })
  const file = join(o.dir, "fleet.yaml")
  writeFileSync(file, releaseManifest(o.fleet, o.release, o.kind, o.order))

  const child = startPass(o, file)
  let done = false
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      done = true
      resolve()
    }),
  )
  // Watch the names until the kill, to say where it landed.
  let phase = "before the trial"
  let sawTrial = false
  const until = Date.now() + o.killAfterMs
  while (Date.now() < until && !done) {
    phase = phaseOf(o.fleet, await fleetContainers(docker, o.fleet), sawTrial)
    sawTrial ||= phase !== "before the trial"
    await sleep(Math.min(50, Math.max(0, until - Date.now())))
  }
  const killedIn = done ? "after it finished" : phase
  child.kill("SIGKILL")
  await exited

  const problems: Array<string> = []
  const passProblem = await nextPass(o, file)
  if (passProblem !== undefined) problems.push(passProblem)

  const left = await fleetContainers(docker, o.fleet)
  const names = left.map((c) => `${c.Names[0]?.slice(1)}:${c.State}`)
  const primary = left.find((c) => c.Names.includes(`/${o.fleet}-web`))
  if (left.length !== 1 || primary === undefined || primary.State !== "running")
    problems.push(`expected only ${o.fleet}-web running, found: ${names.join(", ") || "nothing"}`)
  let serving: number | undefined
  if (primary !== undefined) {
    const info = await docker.getContainer(primary.Id).inspect()
    const release = info.Config.Env.find((e) => e.startsWith("RELEASE="))
    serving = release === undefined ? undefined : Number(release.slice("RELEASE=".length))
    const expected = o.kind === "good" ? o.release : o.serving
    if (serving !== expected)
      problems.push(
        `release ${serving} serves, expected ${expected} (release ${o.release} is ${o.kind}${o.kind === "good" ? "" : ": an ungated or failed release must not serve"})`,
      )
    if (o.kind === "good" && serving === o.release) {
      const marks = await execIn(docker, primary.Id, ["cat", "/tmp/post_deploy"]).catch(String)
      if (!new RegExp(`(?<![0-9])${o.release}\n`).test(marks))
        problems.push(
          `post_deploy never ran in release ${o.release}'s container (saw ${JSON.stringify(marks)})`,
        )
    }
  }
  return { killedIn, serving, problems }
}
