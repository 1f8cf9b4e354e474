import { Effect, Layer } from "effect"
import { loadDaemonSettings, type RunFlags } from "../config/loadDaemonSettings.ts"
import { ownContainerId } from "../config/ownContainerId.ts"
import { daemonLayer } from "../daemon/daemonLayer.ts"
import { parseHandoverPlan, StandbyVariable } from "../domain/handover.ts"
import { describeStartError } from "./describeStartError.ts"
import { Output } from "./Output.ts"

/**
 * Runs the daemon until it is interrupted (SIGTERM, SIGINT: exit 0 once the current
 * engine action has finished). Bad settings are a usage error (2); a daemon that
 * cannot start (the HTTP address is taken) exits 1 with what, where and what to do.
 */
export const runDaemon = Effect.fn("cli.run")(function* (flags: RunFlags) {
  const output = yield* Output
  const settings = yield* Effect.result(loadDaemonSettings(flags, process.env))
  if (settings._tag === "Failure") {
    yield* output.err(`fleetd run: ${settings.failure.message}`)
    return 2
  }
  const raw = process.env[StandbyVariable]
  const standby = raw === undefined || raw === "" ? undefined : parseHandoverPlan(raw)
  if (typeof standby === "string") {
    yield* output.err(`fleetd run: ${standby}`)
    return 2
  }
  const selfContainerId = ownContainerId()
  const resolved = selfContainerId === undefined ? settings.success : { ...settings.success, selfContainerId }
  return yield* Layer.launch(daemonLayer(resolved, standby)).pipe(
    Effect.as(0),
    Effect.catch((error) =>
      output.err(`fleetd run: ${describeStartError(error, resolved.listen)}`).pipe(Effect.as(1)),
    ),
  )
})
