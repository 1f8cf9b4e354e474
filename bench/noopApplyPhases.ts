/**
 * Where the time of a no-op `fleetd apply` goes, phase by phase, each run in a fresh
 * Node process as the CLI is.
 *
 *   node bench/noopApplyPhases.ts [runs]
 *
 * The parent applies a 20-service fleet once (the CLI), then runs itself as a child
 * `runs` times. The child takes timestamps (ms since the process started) after Node's
 * bootstrap, after importing each heavy dependency and fleetd's own modules (the same
 * graph `bin/fleetd.js` loads), after loadManifest and after a no-op reconcile.
 */
// Only dynamic imports: the child must start with nothing loaded but Node itself.
type Phases = Array<[string, number]>

const child = async (file: string, fleet: string, host: string): Promise<Phases> => {
  const phases: Phases = [["node bootstrap (to first line of the script)", performance.now()]]
  const mark = (name: string) => phases.push([name, performance.now()])
  const { Effect } = await import("effect")
  mark("import effect")
  await import("@effect/platform-node")
  mark("import @effect/platform-node")
  await import("dockerode")
  mark("import dockerode")
  await import("yaml")
  mark("import yaml")
  await import("../src/cli/runCli.ts")
  mark("import fleetd's own modules (runCli.ts graph)")
  const { loadManifest } = await import("../src/manifest/loadManifest.ts")
  const NodeFileSystem = await import("@effect/platform-node/NodeFileSystem")
  const { reconcile } = await import("../src/reconciler/reconcile.ts")
  const { DockerEngine } = await import("../src/engine/DockerEngine.ts")
  const { ContainerEngine } = await import("../src/engine/ContainerEngine.ts")
  const { desired } = await Effect.runPromise(
    loadManifest(file, { fleet, environment: {} }).pipe(Effect.provide(NodeFileSystem.layer)),
  )
  mark("loadManifest (20 services, first call)")
  const { changes } = await Effect.runPromise(
    reconcile(desired, { revision: "bench", allowEmpty: false, concurrency: 4 }).pipe(
      Effect.provideService(ContainerEngine, DockerEngine.make({ endpoint: host })),
    ),
  )
  mark("reconcile, no-op (handshake + 2 list calls + plan, first call)")
  if (changes.services.some((s) => s.outcome !== "unchanged")) throw new Error("the pass was not a no-op")
  return phases
}

const [mode, childFile, childFleet, childHost] = process.argv.slice(2)
if (mode === "--child" && childFile !== undefined && childFleet !== undefined && childHost !== undefined) {
  console.log(JSON.stringify(await child(childFile, childFleet, childHost)))
} else {
  const {
    benchFleet,
    engineHost,
    fleetYaml,
    ms,
    noGate,
    removeFleet,
    repoRoot,
    runOk,
    stats,
    writeManifest,
  } = await import("./support/benchKit.ts")
  const host = engineHost("docker")
  const runs = Number(mode ?? 7)
  const fleet = benchFleet("phases")
  // The same file as applyVsCompose.ts compares with docker-compose (gate off).
  const file = writeManifest(fleetYaml(20, undefined, undefined, noGate))
  const self = new URL(import.meta.url).pathname
  const env = { ...process.env, DOCKER_HOST: host }
  try {
    await runOk(process.execPath, [`${repoRoot}bin/fleetd.js`, "apply", "-f", file, "--fleet", fleet], env)
    const durations = new Map<string, Array<number>>()
    const totals: Array<number> = []
    for (let i = 0; i < runs + 1; i++) {
      const run = await runOk(process.execPath, [self, "--child", file, fleet, host], env)
      if (i === 0) continue // warm-up: file-system caches
      const phases = JSON.parse(run.stdout) as Phases
      let previous = 0
      for (const [name, at] of phases) {
        durations.set(name, [...(durations.get(name) ?? []), at - previous])
        previous = at
      }
      totals.push(run.ms)
    }
    console.log(`# no-op apply of 20 services, phase by phase (fresh process each, ${runs} runs, medians)`)
    for (const [name, samples] of durations)
      console.log(`  ${ms(stats(samples).median).padStart(10)}  ${name}`)
    console.log(`  ${ms(stats(totals).median).padStart(10)}  whole child process, wall time (exit included)`)
  } finally {
    await removeFleet(host, fleet)
  }
}
