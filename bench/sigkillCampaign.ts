/**
 * The SIGKILL campaign: fleetd killed at random moments of a rollout, then the next pass.
 *
 *   node bench/sigkillCampaign.ts [docker|podman] [runs] [seed]
 *
 * One fleet of one service (test/support/sigkillRun.ts has the releases and the checks).
 * Each run picks, from a seeded generator: `fleetd apply` or `fleetd run`; a good,
 * crash-looping (exits after 2 s, `restart: unless-stopped`) or hookfail (its second
 * post_deploy step fails) release; start-first or stop-first; and a kill after 0–7.5 s
 * (0–5 s for a crash-looping release, whose rollback ends sooner),
 * which lands before the trial, in the gate, in post_deploy (with its hook container
 * running), in a rollback, or after the rollout finished. Then the next pass of the same
 * command runs to the end, and the run counts as converged only when one container runs
 * under the service's name, the new release if it is good and the previous one if not,
 * with no `--next`, `--prev` or hook container left, and post_deploy ran in a good one.
 * A run that did not converge is printed with what was found, and the fleet is reset.
 * Prints the tally by command, release and where the kill landed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort } from "../test/support/freePort.ts"
import { runFleetd } from "../test/support/runFleetd.ts"
import {
  type CrashMode,
  crashRun,
  type Order,
  type ReleaseKind,
  releaseManifest,
} from "../test/support/sigkillRun.ts"
import { benchFleet, type EngineKind, engineHost, removeFleet } from "./support/benchKit.ts"

const kind: EngineKind = process.argv[2] === "podman" ? "podman" : "docker"
const runs = Number(process.argv[3] ?? 20)
const seed = Number(process.argv[4] ?? Date.now() % 1_000_000)
const host = engineHost(kind)
const engine = { kind, host } as const

/** mulberry32: a small seeded generator, so a failing run can be replayed with its seed. */
const random = (() => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
})()
const pick = <A>(choices: ReadonlyArray<readonly [A, number]>): A => {
  let r = random() * choices.reduce((sum, [, w]) => sum + w, 0)
  for (const [choice, weight] of choices) {
    r -= weight
    if (r < 0) return choice
  }
  return choices[choices.length - 1]![0]
}

const fleet = benchFleet("sigkill")
const dir = mkdtempSync(join(tmpdir(), `${fleet}-`))
const tally = new Map<string, { runs: number; converged: number }>()
const failures: Array<string> = []

/** A good release applied to the end: the starting point, and the reset after a failed run. */
const deployGood = async (release: number): Promise<number> => {
  const file = join(dir, "fleet.yaml")
  writeFileSync(file, releaseManifest(fleet, release, "good", "start-first"))
  const result = await runFleetd(["apply", "-f", file], { dockerHost: host })
  if (result.code !== 0) throw new Error(`cannot deploy release ${release}: ${result.stderr.slice(-500)}`)
  return release
}

const started = Date.now()
console.log(`sigkillCampaign on ${kind} (${host}): ${runs} runs, seed ${seed}, fleet ${fleet}`)
try {
  await removeFleet(host, fleet)
  let serving = await deployGood(0)
  for (let i = 1; i <= runs; i++) {
    const mode: CrashMode = pick([
      ["apply", 1],
      ["run", 1],
    ])
    const release: ReleaseKind = pick([
      ["good", 5],
      ["crashloop", 3],
      ["hookfail", 2],
    ])
    const order: Order = pick([
      ["start-first", 1],
      ["stop-first", 1],
    ])
    // Up to about when an uninterrupted rollout (or rollback) ends, so most kills land inside it.
    const killAfterMs = Math.round(random() * (release === "crashloop" ? 5000 : 7500))
    const result = await crashRun({
      engine,
      fleet,
      dir: join(dir, `run-${i}`),
      mode,
      kind: release,
      order,
      release: i,
      serving,
      killAfterMs,
      port: await freePort(),
    })
    rmSync(join(dir, `run-${i}`), { recursive: true, force: true })
    const key = `${mode} ${release} killed in: ${result.killedIn}`
    const entry = tally.get(key) ?? { runs: 0, converged: 0 }
    entry.runs++
    if (result.problems.length === 0) entry.converged++
    tally.set(key, entry)
    const line = `run ${i}/${runs}: fleetd ${mode}, ${release} release, ${order}, SIGKILL after ${killAfterMs} ms (${result.killedIn}): ${result.problems.length === 0 ? "converged" : `NOT CONVERGED: ${result.problems.join("; ")}`}`
    console.log(line)
    if (result.problems.length > 0) {
      failures.push(line)
      await removeFleet(host, fleet)
      serving = await deployGood(i)
    } else if (result.serving !== undefined) serving = result.serving
  }
} finally {
  // The fleet's containers, networks and lease records (lease.md).
  await removeFleet(host, fleet)
  rmSync(dir, { recursive: true, force: true })
}

const total = [...tally.values()].reduce(
  (a, e) => ({ runs: a.runs + e.runs, converged: a.converged + e.converged }),
  {
    runs: 0,
    converged: 0,
  },
)
console.log("\nby command, release and where the kill landed (converged / runs):")
for (const [key, e] of [...tally.entries()].sort(([a], [b]) => a.localeCompare(b)))
  console.log(`  ${`${e.converged} / ${e.runs}`.padEnd(9)} ${key}`)
console.log(
  `\n${kind}: ${total.converged} of ${total.runs} runs converged, ${failures.length} did not (seed ${seed}, ${Math.round((Date.now() - started) / 60_000)} min)`,
)
if (failures.length > 0) {
  console.log("not converged:")
  for (const f of failures) console.log(`  ${f}`)
}
