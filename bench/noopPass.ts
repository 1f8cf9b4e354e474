/**
 * A no-op pass over 100 managed services, in-process, on a real engine.
 *
 *   node bench/noopPass.ts [docker|podman] [passes]
 *
 * Applies a fleet of 100 services once, then times `reconcile` passes that have
 * nothing to do: engine calls per pass (CountingEngine), mutating calls, wall time.
 * A second engine instance behind a counting socket proxy shows the HTTP requests
 * under those calls, the once-per-process /version handshake included.
 * Targets: ≤ 2 engine calls, 0 mutating, median < 50 ms.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Layer, Ref } from "effect"
import { ContainerEngine } from "../src/engine/ContainerEngine.ts"
import { CountingEngine, EngineCallCounter } from "../src/engine/CountingEngine.ts"
import { DockerEngine } from "../src/engine/DockerEngine.ts"
import { loadManifest } from "../src/manifest/loadManifest.ts"
import { hasFailures } from "../src/reconciler/ChangeSet.ts"
import { rememberedIn } from "../src/reconciler/Remembered.ts"
import { type ResourceMemo, reconcile } from "../src/reconciler/reconcile.ts"
import {
  benchFleet,
  countingProxy,
  describe,
  type EngineKind,
  engineHost,
  engineVersion,
  fleetYaml,
  ms,
  noGate,
  removeFleet,
  shortRequest,
  stats,
  verdict,
  writeManifest,
} from "./support/benchKit.ts"

const kind: EngineKind = process.argv[2] === "podman" ? "podman" : "docker"
const passes = Number(process.argv[3] ?? 30)
const warmups = 3
const services = 100
const host = engineHost(kind)
const fleet = benchFleet("noop")
// The daemon's memory of networks and volumes (ResourceMemo): its no-op passes need not list them.
const options = {
  revision: "bench",
  allowEmpty: false,
  concurrency: 4,
  resources: rememberedIn(Ref.makeUnsafe<ResourceMemo>({})),
}

const engineAt = (endpoint: string) =>
  CountingEngine.layer.pipe(Layer.provideMerge(DockerEngine.layer({ endpoint })))

/** Runs one pass and returns its wall time and the engine calls it made. */
const timedPass = Effect.fnUntraced(function* (desired: Parameters<typeof reconcile>[0]) {
  const counter = yield* EngineCallCounter
  yield* counter.reset
  const started = performance.now()
  const { changes } = yield* reconcile(desired, options)
  const elapsed = performance.now() - started
  const counts = yield* counter.snapshot
  const changed = changes.services.filter((s) => s.outcome !== "unchanged").length
  return { elapsed, counts, changed, failed: hasFailures(changes) }
})

const main = Effect.gen(function* () {
  console.log(
    `# no-op pass over ${services} services on ${kind}: ${yield* Effect.promise(() => engineVersion(host))}`,
  )
  // Gate off: the initial apply is set-up (min_ready is not in the spec hash, so no-op passes are the same).
  const file = writeManifest(fleetYaml(services, undefined, undefined, noGate))
  const { desired } = yield* loadManifest(file, { fleet, environment: {} }).pipe(
    Effect.provide(NodeFileSystem.layer),
  )

  // The first pass creates the fleet: the ContainerEngine's handshake happens here.
  const first = yield* timedPass(desired)
  if (first.failed || first.changed !== services) throw new Error(`initial apply: ${JSON.stringify(first)}`)
  console.log(`initial apply (creates ${services}, concurrency ${options.concurrency}): ${ms(first.elapsed)}`)

  const samples: Array<number> = []
  const calls: Array<number> = []
  let mutating = 0
  let changed = 0
  const byMethod = new Map<string, number>()
  for (let i = 0; i < warmups + passes; i++) {
    const pass = yield* timedPass(desired)
    if (i < warmups) continue
    samples.push(pass.elapsed)
    calls.push(pass.counts.total)
    mutating += pass.counts.mutating
    changed += pass.changed
    for (const [method, n] of Object.entries(pass.counts.byMethod))
      byMethod.set(method, (byMethod.get(method) ?? 0) + (n ?? 0))
  }
  const time = stats(samples)
  const maxCalls = Math.max(...calls)
  const perPass = [...byMethod].map(([m, n]) => `${m} ${n / passes}`).join(", ")
  console.log(`no-op passes: ${passes} timed after ${warmups} warm-ups`)
  console.log(`  wall time per pass: ${describe(time)}  target < 50 ms: ${verdict(time.median < 50)}`)
  console.log(`  engine calls per pass: max ${maxCalls} (${perPass})  target ≤ 2: ${verdict(maxCalls <= 2)}`)
  console.log(`  mutating calls over all passes: ${mutating}  target 0: ${verdict(mutating === 0)}`)
  console.log(
    `  services reported changed over all passes: ${changed} (non-zero: something else touched the fleet)`,
  )

  // Where a pass's time goes: its two list calls, timed alone (plan() is in planThousandServices.ts).
  const engine = yield* ContainerEngine
  for (const [name, call] of [
    ["listContainers", engine.listContainers(fleet)],
    ["listImages", engine.listImages],
  ] as const) {
    const alone: Array<number> = []
    for (let i = 0; i < passes; i++) {
      const started = performance.now()
      yield* call
      alone.push(performance.now() - started)
    }
    console.log(`  ${name} alone: ${describe(stats(alone))}`)
  }
  return desired
})

/** HTTP requests under the engine calls: a fresh engine instance, as a new process has, for two passes. */
const requestsPerPass = (desired: Parameters<typeof reconcile>[0]) =>
  Effect.gen(function* () {
    const proxy = yield* Effect.promise(() => countingProxy(host))
    const engine = DockerEngine.make({ endpoint: proxy.host })
    console.log("HTTP requests per pass (through a counting socket proxy; not timed):")
    for (const label of ["first pass of a fresh engine", "second pass"]) {
      yield* reconcile(desired, options).pipe(Effect.provideService(ContainerEngine, engine))
      const seen = proxy.take().map(shortRequest)
      console.log(`  ${label}: ${seen.length} requests: ${seen.join(", ")}`)
    }
    yield* Effect.promise(() => proxy.close())
  })

try {
  await Effect.runPromise(
    main.pipe(
      Effect.tap((desired) => requestsPerPass(desired)),
      Effect.provide(engineAt(host)),
    ),
  )
} finally {
  const removed = await removeFleet(host, fleet)
  console.log(`cleanup: removed ${removed} containers of fleet ${fleet}`)
}
