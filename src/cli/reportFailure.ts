import { Effect } from "effect"
import type { EngineError } from "../engine/EngineError.ts"
import type { EmptyFleetRefused } from "../reconciler/reconcile.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"

/** Reports a failure that stopped plan or apply as a whole; the host was not changed by it. */
export const reportFailure = Effect.fnUntraced(function* (
  args: CliArgs,
  error: EngineError | EmptyFleetRefused,
) {
  const output = yield* Output
  const message =
    error._tag === "EmptyFleetRefused"
      ? error.message
      : error.reason === "Unavailable"
        ? `cannot reach the container engine: ${error.message}. Start Docker or Podman, or point --engine or DOCKER_HOST at its socket.`
        : `the container engine refused ${error.operation}: ${error.message}`
  if (args.json) yield* output.out(JSON.stringify({ error: { kind: error._tag, message } }, null, 2))
  else yield* output.err(`fleetd ${args.command}: ${message}`)
  return 1
})
