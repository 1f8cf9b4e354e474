import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect } from "effect"
import { canonicalJson, sha256Hex } from "../domain/specHash.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import type { EngineError } from "../engine/EngineError.ts"
import { requireSwarmManager } from "../engine/swarm/requireSwarmManager.ts"
import type { SwarmEngine } from "../engine/swarm/SwarmEngine.ts"
import { createDirectories } from "../manifest/hostFiles.ts"
import { type ChangeSet, hasFailures } from "../reconciler/ChangeSet.ts"
import { type EmptyFleetRefused, reconcile } from "../reconciler/reconcile.ts"
import { reconcileSwarm } from "../reconciler/reconcileSwarm.ts"
import { holdLease } from "./holdLease.ts"
import { formatViolations, loadWithPolicy } from "./loadWithPolicy.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"
import { renderChangeSet } from "./renderChangeSet.ts"
import { reportFailure } from "./reportFailure.ts"

/** `fleetd apply`: one pass that makes the host match the manifest. Exit 1 if any service failed. */
export const apply = Effect.fn("cli.apply")(function* (args: CliArgs) {
  const output = yield* Output
  // The engine handshake (`GET /version`, which changes nothing) runs while the manifest
  // loads. Everything that reads or changes the fleet still waits for the lease below.
  yield* Effect.forkChild(Effect.ignore((yield* ContainerEngine).info))
  const result = yield* loadWithPolicy(args)
  if (result._tag === "Exit") return result.code
  const { desired } = result.loaded
  // Blocked services are reported in the change set; the positions go to stderr.
  if (result.violations.length > 0 && !args.json)
    yield* output.err(formatViolations(args.file, result.violations))
  const swarm = desired.target === "swarm"
  // The swarm target on an engine that is no manager: refused before anything else (exit 2).
  if (swarm) {
    const manager = yield* Effect.result(requireSwarmManager)
    if (manager._tag === "Failure") return yield* reportFailure(args, manager.failure)
  }
  // One writer per fleet per engine: wait for the lease before touching anything.
  const refused = yield* holdLease(args, desired.fleet)
  if (refused !== undefined) return refused
  // Without git (the daemon's job) the revision names the manifest's content.
  // Bind sources found nowhere are a container's data, created before it starts, as in Compose.
  const created = yield* Effect.result(
    createDirectories(result.loaded.directories).pipe(Effect.provide(NodeFileSystem.layer)),
  )
  if (created._tag === "Failure") {
    const message = `cannot create a bind mount source: ${created.failure.message}`
    if (args.json) yield* output.out(JSON.stringify({ error: { kind: "BindSourceError", message } }, null, 2))
    else yield* output.err(`fleetd apply: ${message}`)
    return 1
  }
  const revision = `manifest:${sha256Hex(canonicalJson(desired.services.map((s) => s.configHash))).slice(0, 12)}`
  const options = { revision, allowEmpty: args.allowEmpty, concurrency: args.concurrency }
  const changes: Effect.Effect<
    { readonly changes: ChangeSet },
    EngineError | EmptyFleetRefused,
    ContainerEngine | SwarmEngine
  > = swarm ? reconcileSwarm(desired, options) : reconcile(desired, { ...options, awaitCreations: args.wait })
  return yield* changes.pipe(
    Effect.flatMap(({ changes }) =>
      output
        .out(
          args.json
            ? JSON.stringify(
                { ok: !hasFailures(changes), ...changes, warnings: result.loaded.warnings },
                null,
                2,
              )
            : renderChangeSet(changes),
        )
        .pipe(Effect.as(hasFailures(changes) ? 1 : 0)),
    ),
    Effect.catch((error) => reportFailure(args, error)),
  )
})
