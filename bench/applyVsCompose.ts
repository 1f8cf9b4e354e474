/**
 * Cold apply of 20 services and a no-op apply of the same 20: fleetd vs Debian's
 * docker-compose 1.29 `up -d`, on the same Docker engine, same file, same run.
 *
 *   node bench/applyVsCompose.ts [rounds] [other-checkout ...]
 *
 * Whole commands, timed as a user would see them:
 *   node bin/fleetd.js apply -f FILE --fleet NAME     vs   docker-compose -f FILE -p NAME up -d
 * cold = nothing of that fleet/project exists; no-op = the same command again. Each
 * round runs the variants in a rotated order and tears each down (untimed) before the
 * next; one warm-up round first. For context it also times the fleetd pass in-process
 * (no Node start-up, a fresh engine client each time as the CLI has), `node -e 0`,
 * and `fleetd --version` (Node start-up plus loading fleetd's modules).
 * Targets (issue 11): fleetd/compose ≤ 1.0 cold, ≤ 0.3 no-op.
 *
 * The shared file sets `x-fleetd.update.min_ready: 0s` on every service: `up -d` waits
 * for nothing, so fleetd's health gate is off for the comparison (docker-compose 1.29
 * accepts and ignores the extension field). A fourth variant runs the CLI on the same
 * services without that field, i.e. with fleetd's defaults (the 5 s gate, which a first
 * creation does not wait for since issue 11): the issue-11 target, fleetd's defaults vs
 * `up -d`, ≤ 1.0. Every extra argument is another fleetd checkout (with its
 * bundle built), whose default-gated apply is timed the same way in the same run: pass a
 * checkout of the previous commit to compare before and after.
 */
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect } from "effect"
import { ContainerEngine } from "../src/engine/ContainerEngine.ts"
import { DockerEngine } from "../src/engine/DockerEngine.ts"
import { loadManifest } from "../src/manifest/loadManifest.ts"
import { hasFailures } from "../src/reconciler/ChangeSet.ts"
import { reconcile } from "../src/reconciler/reconcile.ts"
import {
  benchFleet,
  countComposeContainers,
  countFleetContainers,
  describe,
  engineHost,
  engineVersion,
  fleetYaml,
  ms,
  noGate,
  removeFleet,
  repoRoot,
  retry,
  runOk,
  type Stats,
  stats,
  verdict,
  writeManifest,
} from "./support/benchKit.ts"

const rounds = Number(process.argv[2] ?? 5)
const otherCheckouts = process.argv.slice(3)
const services = 20
const host = engineHost("docker")
const env = { ...process.env, DOCKER_HOST: host }
const file = writeManifest(fleetYaml(services, undefined, undefined, noGate))
// The same services with fleetd's default health gate (no x-fleetd block).
const gatedFile = writeManifest(fleetYaml(services))
const gatedFleet = benchFleet("gated")
const fleetdFleet = benchFleet("fleetd")
const inProcessFleet = benchFleet("inproc")
const project = benchFleet("compose")
const fleetdBin = `${repoRoot}bin/fleetd.js`

interface Variant {
  readonly name: string
  /** One apply; returns its wall time in ms. */
  readonly apply: () => Promise<number>
  readonly teardown: () => Promise<void>
  readonly count: () => Promise<number>
}

const fleetdCli: Variant = {
  name: "fleetd apply",
  apply: async () =>
    (await runOk(process.execPath, [fleetdBin, "apply", "-f", file, "--fleet", fleetdFleet], env)).ms,
  teardown: async () => void (await removeFleet(host, fleetdFleet)),
  count: () => countFleetContainers(host, fleetdFleet),
}

/** `fleetd apply` with fleetd's defaults (the 5 s gate), from the `bin` of one checkout. */
const gatedVariant = (bin: string, name: string, fleet: string): Variant => ({
  name,
  apply: async () =>
    (await runOk(process.execPath, [bin, "apply", "-f", gatedFile, "--fleet", fleet], env)).ms,
  teardown: async () => void (await removeFleet(host, fleet)),
  count: () => countFleetContainers(host, fleet),
})
const fleetdGated = gatedVariant(fleetdBin, "fleetd apply, 5 s gate", gatedFleet)
const otherGated = otherCheckouts.map((checkout, i) =>
  gatedVariant(join(checkout, "bin/fleetd.js"), `[${checkout}] 5 s gate`, benchFleet(`gated${i}`)),
)

const compose: Variant = {
  name: "docker-compose up -d",
  apply: async () => (await runOk("docker-compose", ["-f", file, "-p", project, "up", "-d"], env)).ms,
  teardown: async () => {
    const down = () => runOk("docker-compose", ["-f", file, "-p", project, "down", "-t", "2"], env)
    // dockerd 20.10 sometimes keeps a stale endpoint on the project network for good;
    // the containers are gone by then, and the next round needs only that.
    await retry(down, 5).catch(async (e: unknown) => {
      if ((await countComposeContainers(host, project)) > 0) throw e
      console.log(`warning: compose left its network behind: ${String(e).split("\n").at(-2)}`)
    })
  },
  count: () => countComposeContainers(host, project),
}

/** loadManifest + reconcile in this process, with a fresh engine client (so a handshake) each time. */
const inProcess: Variant = {
  name: "fleetd pass in-process",
  apply: () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const started = performance.now()
        const { desired } = yield* loadManifest(file, { fleet: inProcessFleet, environment: {} }).pipe(
          Effect.provide(NodeFileSystem.layer),
        )
        const { changes } = yield* reconcile(desired, {
          revision: "bench",
          allowEmpty: false,
          concurrency: 4,
        }).pipe(Effect.provideService(ContainerEngine, DockerEngine.make({ endpoint: host })))
        if (hasFailures(changes)) throw new Error(`in-process apply failed: ${JSON.stringify(changes)}`)
        return performance.now() - started
      }),
    ),
  teardown: async () => void (await removeFleet(host, inProcessFleet)),
  count: () => countFleetContainers(host, inProcessFleet),
}

const variants = [fleetdCli, compose, inProcess, fleetdGated, ...otherGated]
const cold = new Map<string, Array<number>>(variants.map((v) => [v.name, []]))
const noop = new Map<string, Array<number>>(variants.map((v) => [v.name, []]))
const nodeStart: Array<number> = []
const fleetdVersion: Array<number> = []

console.log(`# cold and no-op apply of ${services} services, fleetd vs docker-compose`)
console.log(`engine: ${await engineVersion(host)} at ${host}`)
console.log(
  `compose: ${(await runOk("docker-compose", ["version", "--short"])).stdout.trim()}; node ${process.version}`,
)
console.log(`file: ${file} (fleet ${fleetdFleet}, in-process fleet ${inProcessFleet}, project ${project})`)
console.log(`default-gate file: ${gatedFile} (fleet ${gatedFleet}; fleetd's defaults)`)

try {
  for (let round = 0; round <= rounds; round++) {
    const warmup = round === 0
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!)
    for (const v of order) {
      const coldMs = await v.apply()
      const created = await v.count()
      if (created !== services) throw new Error(`${v.name}: ${created} containers after a cold apply`)
      const noopMs = await v.apply()
      await v.teardown()
      if (!warmup) {
        cold.get(v.name)!.push(coldMs)
        noop.get(v.name)!.push(noopMs)
      }
    }
    const startup = (await runOk(process.execPath, ["-e", "0"])).ms
    const version = (await runOk(process.execPath, [fleetdBin, "--version"])).ms
    if (!warmup) {
      nodeStart.push(startup)
      fleetdVersion.push(version)
    }
    console.log(`round ${warmup ? "0 (warm-up)" : round} done: order ${order.map((v) => v.name).join(" → ")}`)
  }
} finally {
  await Promise.all(variants.map((v) => v.teardown().catch(() => undefined)))
}

const report = (label: string, samples: Map<string, Array<number>>, target: number) => {
  const s = (v: Variant): Stats => stats(samples.get(v.name) ?? [])
  console.log(`\n## ${label} (${rounds} rounds)`)
  for (const v of variants) console.log(`  ${v.name.padEnd(24)} ${describe(s(v))}`)
  const ratio = s(fleetdCli).median / s(compose).median
  console.log(
    `  ratio fleetd/compose (medians): ${ratio.toFixed(2)}  target ≤ ${target}: ${verdict(ratio <= target)}`,
  )
  console.log(`  ratio fleetd in-process/compose: ${(s(inProcess).median / s(compose).median).toFixed(2)}`)
  const gated = s(fleetdGated).median / s(compose).median
  console.log(
    `  fleetd's defaults (5 s gate) / compose: ${gated.toFixed(2)}  target ≤ ${target}: ${verdict(gated <= target)}`,
  )
  for (const v of otherGated)
    console.log(`  ${v.name} / compose: ${(s(v).median / s(compose).median).toFixed(2)}`)
}
report("cold apply", cold, 1.0)
report("no-op apply", noop, 0.3)
console.log(`\n## start-up, for context`)
console.log(`  node -e 0                ${describe(stats(nodeStart))}`)
console.log(`  fleetd --version         ${describe(stats(fleetdVersion))}`)
console.log(
  `  (${ms(stats(fleetdVersion).median - stats(nodeStart).median)} of module loading before any work)`,
)
