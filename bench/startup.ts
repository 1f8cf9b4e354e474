/**
 * Start-up to exit of fleetd's one-shot commands, as fresh processes, next to Node's
 * own start-up and docker-compose's no-op `up -d` on the same 20 services.
 *
 *   node bench/startup.ts [runs] [other-checkout ...]
 *
 * Each command runs `runs` times (default 15) after one untimed warm-up; the variants
 * are interleaved round by round so drift on a shared machine hits all of them alike.
 * Every extra argument is another fleetd checkout (with its bundle built) timed the
 * same way in the same run: pass a checkout of the previous commit to compare before
 * and after. Commands, for each checkout:
 *   node bin/fleetd.js --version
 *   node bin/fleetd.js validate -f FILE
 *   node bin/fleetd.js plan -f FILE --fleet NAME          (fleet applied: nothing to do)
 *   node bin/fleetd.js apply -f FILE --fleet NAME         (no-op)
 * and once: `node -e 0` and `docker-compose -f FILE -p NAME up -d` (no-op).
 * Targets (issue 11): validate and plan ≤ 120 ms; no-op apply ≤ 0.3× compose's no-op.
 *
 * BENCH_CPU=1 also measures each command's CPU time (all its threads, and its child
 * processes) with `perf stat -e task-clock`: on a machine loaded by other work, wall
 * times grow with the load while CPU times hardly do, so the CPU medians still compare
 * checkouts. The wall times then include perf's own start (the same for every variant).
 */
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  benchFleet,
  describe,
  engineHost,
  engineVersion,
  fleetYaml,
  noGate,
  removeFleet,
  repoRoot,
  runOk,
  stats,
  verdict,
  writeManifest,
} from "./support/benchKit.ts"

const runs = Number(process.argv[2] ?? 15)
const checkouts = [repoRoot, ...process.argv.slice(3)]
const services = 20
const host = engineHost("docker")
const env = { ...process.env, DOCKER_HOST: host }
const file = writeManifest(fleetYaml(services, undefined, undefined, noGate))
const fleet = benchFleet("startup")
const project = benchFleet("startupcompose")

interface Command {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
}

const fleetdCommands = (checkout: string, label: string): ReadonlyArray<Command> => {
  const bin = join(checkout, "bin/fleetd.js")
  const fleetd = (name: string, ...args: Array<string>): Command => ({
    name: `${label}fleetd ${name}`,
    command: process.execPath,
    args: [bin, ...args],
  })
  return [
    fleetd("--version", "--version"),
    fleetd("validate", "validate", "-f", file),
    fleetd("plan (no changes)", "plan", "-f", file, "--fleet", fleet),
    fleetd("apply (no-op)", "apply", "-f", file, "--fleet", fleet),
  ]
}

const label = (checkout: string, i: number): string => (i === 0 ? "" : `[${checkout}] `)
const commands: ReadonlyArray<Command> = [
  { name: "node -e 0", command: process.execPath, args: ["-e", "0"] },
  ...checkouts.flatMap((c, i) => fleetdCommands(c, label(c, i))),
  {
    name: "docker-compose up -d (no-op)",
    command: "docker-compose",
    args: ["-f", file, "-p", project, "up", "-d"],
  },
]

console.log(`# start-up to exit, fresh processes, ${services} services (${runs} runs, medians)`)
console.log(`engine: ${await engineVersion(host)} at ${host}; node ${process.version}`)
console.log(`file: ${file} (fleet ${fleet}, project ${project})`)
checkouts.forEach((c, i) => {
  if (i > 0) console.log(`compared with the checkout ${c}`)
})

const samples = new Map<string, Array<number>>(commands.map((c) => [c.name, []]))
const cpuSamples = new Map<string, Array<number>>(commands.map((c) => [c.name, []]))
const perfOut =
  process.env.BENCH_CPU === "1" ? join(mkdtempSync(join(tmpdir(), "startup-perf-")), "out") : undefined

/** Runs one command; with BENCH_CPU=1 under `perf stat`, giving its task-clock (ms) too. */
const timed = async (c: Command): Promise<{ ms: number; cpuMs?: number }> => {
  if (perfOut === undefined) return runOk(c.command, c.args, env)
  const { ms } = await runOk(
    "perf",
    ["stat", "-x", ",", "-e", "task-clock", "-o", perfOut, "--", c.command, ...c.args],
    env,
  )
  const line = readFileSync(perfOut, "utf8")
    .split("\n")
    .find((l) => l.includes("task-clock"))
  return { ms, cpuMs: Number(line?.split(",")[0]) }
}
try {
  // The fleet and the project exist before timing starts: plan, apply and up are no-ops.
  await runOk(process.execPath, [join(repoRoot, "bin/fleetd.js"), "apply", "-f", file, "--fleet", fleet], env)
  await runOk("docker-compose", ["-f", file, "-p", project, "up", "-d"], env)
  for (let round = 0; round <= runs; round++) {
    for (const c of commands) {
      const { ms, cpuMs } = await timed(c)
      if (round > 0) samples.get(c.name)?.push(ms)
      if (round > 0 && cpuMs !== undefined) cpuSamples.get(c.name)?.push(cpuMs)
    }
  }
} finally {
  await removeFleet(host, fleet)
  await runOk("docker-compose", ["-f", file, "-p", project, "down", "-t", "2"], env).catch(() => undefined)
}

const median = (name: string): number => stats(samples.get(name) ?? []).median
for (const c of commands) console.log(`  ${c.name.padEnd(42)} ${describe(stats(samples.get(c.name) ?? []))}`)
if (perfOut !== undefined) {
  console.log("CPU time (perf task-clock), medians:")
  for (const c of commands)
    console.log(`  ${c.name.padEnd(42)} ${describe(stats(cpuSamples.get(c.name) ?? []))}`)
}
const compose = median("docker-compose up -d (no-op)")
checkouts.forEach((c, i) => {
  const at = label(c, i)
  const slowest = Math.max(median(`${at}fleetd validate`), median(`${at}fleetd plan (no changes)`))
  const ratio = median(`${at}fleetd apply (no-op)`) / compose
  console.log(`${at || "this checkout: "}validate/plan ≤ 120 ms: ${verdict(slowest <= 120)}`)
  console.log(
    `${at || "this checkout: "}no-op apply/compose ${ratio.toFixed(2)}, target ≤ 0.3: ${verdict(ratio <= 0.3)}`,
  )
})
