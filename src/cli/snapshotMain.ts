/**
 * The entry of fleetd's start-up snapshot (`npm run build` → dist/snapshot/; see
 * scripts/buildSnapshot.ts and bin/fleetd.js). Most of a one-shot command's time is
 * Node evaluating Effect, Schema, yaml and the manifest loader and compiling the code a
 * first manifest runs through (bench/RESULTS.md, "Start-up, third pass"). A V8 start-up
 * snapshot holds the heap after that work: Node deserializes it instead of doing it
 * again at every start.
 *
 * While the snapshot is built (`node --build-snapshot`), this module loads the modules
 * of validate, plan and apply and validates a small manifest once, so the functions a
 * load runs through are compiled and Schema's parsers built; then Node saves the heap.
 * Nothing read from the environment, the clock or the random source at that time may
 * stay in the heap: the commands read them when they run. A process started from the
 * snapshot (`node --snapshot-blob BLOB COMMAND ARGS…`, which bin/fleetd.js runs)
 * starts in `main` below with that process's own argv and environment.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { isIP } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startupSnapshot } from "node:v8"
import { Effect, Layer } from "effect"
import { Output } from "./Output.ts"
import { parseCliArgs } from "./parseCliArgs.ts"
import { runCli } from "./runCli.ts"
import { runOneShot } from "./runOneShot.ts"

/** The modules whose top level the snapshot runs ahead (runCli imports them lazily). */
const loaded = Promise.all([
  import("@effect/platform-node/NodeFileSystem"),
  import("./validate.ts"),
  import("./plan.ts"),
  import("./apply.ts"),
  import("./engineLayer.ts"),
  import("../daemon/FleetLease.ts"),
])

/**
 * What the warm-up validates: the fields most manifests use, so their code is compiled
 * into the snapshot. No host paths, files or build contexts: nothing of the build
 * machine is read into a cache that a later command could find.
 */
const warmUpManifest = `x-defaults: &defaults
  image: registry.example/app:1.2
  restart: unless-stopped
  stop_grace_period: 3s
services:
  web:
    <<: *defaults
    command: ["httpd", "-f", "-p", "8080"]
    ports: ["127.0.0.1:8080:8080", "9090"]
    environment:
      MODE: production
      COUNT: "2"
    labels: [team=web]
    networks: [front, back]
    healthcheck:
      test: ["CMD-SHELL", "wget -q -O- http://127.0.0.1:8080/ >/dev/null"]
      interval: 5s
      timeout: 2s
      retries: 3
    x-fleetd:
      update:
        min_ready: 2s
  db:
    <<: *defaults
    command: sh -c 'sleep 1000'
    environment: [PGDATA=/data, PGPORT=5432]
    volumes: [data:/data]
    networks: [back]
    deploy:
      resources:
        limits: { memory: 256M, cpus: "0.5" }
  worker:
    image: registry.example/worker@sha256:${"0".repeat(64)}
    entrypoint: [/bin/worker]
    user: "1000:1000"
    depends_on:
      db: { condition: service_started }
    tmpfs: [/tmp]
networks:
  front: {}
  back: { internal: true }
volumes:
  data: {}
`

/**
 * Node's HTTP agent checks the host name of every request plan and apply send the engine
 * with net.isIP, whose regular expressions V8 compiles on first use and again after a few
 * (≈ 6 ms of CPU in a fresh process; compiled here, they are in the snapshot).
 */
const warmHostCheck = (): void => {
  for (const host of ["localhost", "127.0.0.1", "::1", "localhost"]) isIP(host)
}

/** Validates the warm-up manifest in a directory of its own, which is removed after. */
const warmUp = async (): Promise<void> => {
  warmHostCheck()
  const dir = mkdtempSync(join(tmpdir(), "fleetd-snapshot-"))
  try {
    const file = join(dir, "fleet.yaml")
    writeFileSync(file, warmUpManifest)
    const [NodeFileSystem] = await loaded
    const quiet = Layer.succeed(Output)({ out: () => Effect.void, err: () => Effect.void })
    const code = await Effect.runPromise(
      runCli(parseCliArgs(["validate", "-f", file])).pipe(
        Effect.provide(Layer.merge(quiet, NodeFileSystem.layer)),
      ),
    )
    if (code !== 0) throw new Error(`the snapshot's warm-up manifest did not validate (exit ${code})`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (startupSnapshot.isBuildingSnapshot()) {
  warmUp().catch((error: unknown) => {
    process.stderr.write(`fleetd: building the start-up snapshot failed: ${String(error)}\n`)
    process.exitCode = 1
  })
  // argv[0] is node and argv[1] the command (no script path: the snapshot is the script).
  startupSnapshot.setDeserializeMainFunction(() => void runOneShot(parseCliArgs(process.argv.slice(1))))
}
