import { Effect, Layer } from "effect"
import { loadDaemonSetup } from "../config/loadDaemonSetup.ts"
import { ownContainerId } from "../config/ownContainerId.ts"
import type { RunFlags } from "../config/runFlags.ts"
import { daemonWide } from "../daemon/DaemonSetup.ts"
import { daemonLayer } from "../daemon/daemonLayer.ts"
import { parseHandoverPlan, StandbyVariable } from "../domain/handover.ts"
import { describeStartError } from "./describeStartError.ts"
import { Output } from "./Output.ts"
import { swarmRefusal } from "./swarmRefusal.ts"

/**
 * Runs the daemon until it is interrupted (SIGTERM, SIGINT: exit 0 once the current
 * engine action has finished). Bad settings or an invalid config file are a usage
 * error (2); a daemon that cannot start (the HTTP address is taken) exits 1 with what,
 * where and what to do.
 */
export const runDaemon = Effect.fn("cli.run")(function* (flags: RunFlags) {
  const output = yield* Output
  const selfContainerId = ownContainerId()
  const setup = yield* Effect.result(
    loadDaemonSetup(flags, process.env, selfContainerId === undefined ? {} : { selfContainerId }),
  )
  if (setup._tag === "Failure") {
    yield* output.err(`fleetd run: ${setup.failure.message}`)
    return 2
  }
  const refused = yield* swarmRefusal(setup.success)
  if (refused !== undefined) {
    yield* output.err(`fleetd run: ${refused}`)
    return 2
  }
  const raw = process.env[StandbyVariable]
  const standby = raw === undefined || raw === "" ? undefined : parseHandoverPlan(raw)
  if (typeof standby === "string") {
    yield* output.err(`fleetd run: ${standby}`)
    return 2
  }
  const listen = daemonWide(setup.success).listen
  return yield* Layer.launch(daemonLayer(setup.success, standby)).pipe(
    Effect.as(0),
    Effect.catch((error) =>
      output.err(`fleetd run: ${describeStartError(error, listen)}`).pipe(Effect.as(1)),
    ),
  )
})
