import { Effect } from "effect"
import type { EngineError } from "../engine/EngineError.ts"
import { notManagerOperation } from "../engine/swarm/requireSwarmManager.ts"
import type { EmptyFleetRefused } from "../reconciler/reconcile.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"

/**
 * Reports a failure that stopped plan or apply as a whole; the host was not changed by
 * it. Exit 1; 2 for the swarm target on an engine that is no Swarm manager (a usage
 * error: no retry will fix it).
 */
export const reportFailure = Effect.fnUntraced(function* (
  args: CliArgs,
  error: EngineError | EmptyFleetRefused,
) {
  const output = yield* Output
  const notManager = error._tag === "EngineError" && error.operation === notManagerOperation
  const message =
    error._tag === "EmptyFleetRefused" || notManager
      ? error.message
      : error.reason === "Unavailable"
        ? `cannot reach the container engine: ${error.message}. Start Docker or Podman, or point --engine or DOCKER_HOST at its socket.`
        : `the container engine refused ${error.operation}: ${error.message}`
  const kind = notManager ? "NotSwarmManager" : error._tag
  if (args.json) yield* output.out(JSON.stringify({ error: { kind, message } }, null, 2))
  else yield* output.err(`fleetd ${args.command}: ${message}`)
  return notManager ? 2 : 1
})
