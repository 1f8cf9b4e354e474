/**
 * Rollback recovery: from the failed health gate to the old container serving again.
 *
 *   node bench/rollbackRecovery.ts [docker|podman] [rounds]
 *
 * In-process, on a real engine. v1 (busybox httpd) runs on a fixed loopback port
 * (stop-first) or an engine-chosen one (start-first); each round applies a v2 whose
 * command exits at once, and a 5 ms HTTP poller watches the old container's port.
 * The engine is wrapped to timestamp the gate's failing inspection and to time the
 * restart of the old container (the engine's own start time).
 *
 * - stop-first: recovery = first good response after the gate failed − the engine's
 *   start call; target < 1 s beyond it.
 * - start-first: the old one never stops: failed requests during the rollout (target 0)
 *   and the time from the failed gate to the rollback being finished.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Layer } from "effect"
import { ContainerEngine } from "../src/engine/ContainerEngine.ts"
import { makeDockerEngine } from "../src/engine/DockerEngine.ts"
import { loadManifest } from "../src/manifest/loadManifest.ts"
import { reconcile } from "../src/reconciler/reconcile.ts"
import { freePort } from "../test/support/freePort.ts"
import {
  benchFleet,
  describe,
  type EngineKind,
  engineHost,
  rawClient,
  removeFleet,
  stats,
  verdict,
  writeManifest,
} from "./support/benchKit.ts"

const kind: EngineKind = process.argv[2] === "podman" ? "podman" : "docker"
const rounds = Number(process.argv[3] ?? 5)
const host = engineHost(kind)
const httpd = `["httpd", "-f", "-p", "8080", "-h", "/var/www"]`
const exitsAtOnce = `["sh", "-c", "exit 3"]`

const manifest = (fleet: string, image: string, command: string, ports: string) =>
  `name: ${fleet}\nservices:\n  web:\n    image: ${image}\n    command: ${command}\n    ports: ["${ports}"]\n    stop_grace_period: 1s\n    x-fleetd:\n      update:\n        min_ready: 1s\n`

interface Marks {
  gateFailed?: number
  oldStartMs?: number
  rolledBack?: number
}

/** The real engine, with the two moments this benchmark needs stamped on it. */
const timedEngine = (marks: Marks) => {
  const inner = makeDockerEngine({ endpoint: host })
  return Layer.succeed(ContainerEngine)({
    ...inner,
    inspectContainer: (id) =>
      inner.inspectContainer(id).pipe(
        Effect.tap((s) =>
          Effect.sync(() => {
            if (s.name.endsWith("--next") && !s.running && marks.gateFailed === undefined)
              marks.gateFailed = performance.now()
          }),
        ),
      ),
    startContainer: (id) => {
      const started = performance.now()
      return inner.startContainer(id).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            if (marks.gateFailed !== undefined) marks.oldStartMs = performance.now() - started
          }),
        ),
      )
    },
    removeContainer: (id) =>
      inner.removeContainer(id).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            if (marks.gateFailed !== undefined && marks.rolledBack === undefined)
              marks.rolledBack = performance.now()
          }),
        ),
      ),
  })
}

const apply = (file: string, marks: Marks) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const { desired } = yield* loadManifest(file, { fleet: undefined, environment: {} }).pipe(
        Effect.provide(NodeFileSystem.layer),
      )
      return yield* reconcile(desired, { revision: "bench", allowEmpty: false, concurrency: 4 })
    }).pipe(Effect.provide(timedEngine(marks))),
  )

/** First successful answer on `port` at or after `from`, polling every 5 ms. */
const poller = (port: number) => {
  const answers: Array<{ at: number; ok: boolean }> = []
  let stop = false
  const loop = (async () => {
    while (!stop) {
      const at = performance.now()
      const ok = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.text())
        .then((t) => t.includes("v1"))
        .catch(() => false)
      answers.push({ at, ok })
      await new Promise((r) => setTimeout(r, 5))
    }
  })()
  return {
    answers,
    stop: async () => {
      stop = true
      await loop
    },
  }
}

const round = async (order: "stop-first" | "start-first") => {
  const fleet = benchFleet("rollback")
  try {
    const fixed = order === "stop-first" ? `127.0.0.1:${await freePort()}:8080` : "127.0.0.1::8080"
    const file = writeManifest(manifest(fleet, "fleetd-test/app:v1", httpd, fixed))
    await apply(file, {})
    const info = await rawClient(host).getContainer(`${fleet}-web`).inspect()
    const port = Number(info.NetworkSettings.Ports["8080/tcp"]?.[0]?.HostPort)
    const watch = poller(port)
    const marks: Marks = {}
    const file2 = writeManifest(manifest(fleet, "fleetd-test/app:v2", exitsAtOnce, fixed))
    const { changes } = await apply(file2, marks)
    const outcome = changes.services[0]?.outcome
    // Let the poller see the old container answer after the pass returned.
    const deadline = performance.now() + 5000
    while (
      performance.now() < deadline &&
      !watch.answers.some((a) => a.ok && a.at >= (marks.gateFailed ?? 0))
    )
      await new Promise((r) => setTimeout(r, 5))
    await watch.stop()
    if (outcome !== "rolled-back" || marks.gateFailed === undefined) throw new Error(`round: ${outcome}`)
    const serving = watch.answers.find((a) => a.ok && a.at >= (marks.gateFailed ?? 0))?.at ?? Number.NaN
    return {
      recovery: serving - marks.gateFailed,
      engineStart: marks.oldStartMs ?? 0,
      rollback: (marks.rolledBack ?? Number.NaN) - marks.gateFailed,
      failed: watch.answers.filter((a) => !a.ok).length,
    }
  } finally {
    await removeFleet(host, fleet)
  }
}

console.log(`## rollback recovery on ${kind} (${rounds} rounds each)`)
const stopFirst = []
for (let i = 0; i < rounds; i++) stopFirst.push(await round("stop-first"))
const beyond = stats(stopFirst.map((r) => r.recovery - r.engineStart))
console.log(`stop-first: failed gate → old serving: ${describe(stats(stopFirst.map((r) => r.recovery)))}`)
console.log(`  engine start of the old container: ${describe(stats(stopFirst.map((r) => r.engineStart)))}`)
console.log(
  `  beyond the engine's start: ${describe(beyond)} — target < 1000 ms: ${verdict(beyond.p95 < 1000)}`,
)
const startFirst = []
for (let i = 0; i < rounds; i++) startFirst.push(await round("start-first"))
const failed = startFirst.reduce((n, r) => n + r.failed, 0)
console.log(
  `start-first: failed gate → rollback finished: ${describe(stats(startFirst.map((r) => r.rollback)))}`,
)
console.log(`  failed requests during the rollouts: ${failed} — target 0: ${verdict(failed === 0)}`)
