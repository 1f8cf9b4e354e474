import { type Duration, Effect, Option } from "effect"
import type { DaemonSetup } from "../daemon/DaemonSetup.ts"
import { daemonWide } from "../daemon/DaemonSetup.ts"
import { DockerSwarmEngine } from "../engine/swarm/DockerSwarmEngine.ts"
import { notManagerOperation, requireSwarmManager } from "../engine/swarm/requireSwarmManager.ts"

/**
 * `fleetd run --swarm` on an engine that is no Swarm manager: the reason it must not
 * start (a usage error, exit 2), else undefined. An engine that cannot be reached yet,
 * or does not answer within `patience`, is no reason: the daemon starts (and listens)
 * and every pass checks again before it changes anything (reconcileSwarm), reporting
 * the engine. A swarm manager's `/info` can be slow under load, and the HTTP port (and
 * /health) must not wait for it.
 */
export const swarmRefusal = (setup: DaemonSetup, patience: Duration.Input = "5 seconds") =>
  Effect.gen(function* () {
    if (!setup.sources.some((s) => s.settings.swarm === true)) return undefined
    const engine = daemonWide(setup).engine
    const checked = yield* Effect.result(
      requireSwarmManager.pipe(
        Effect.provide(DockerSwarmEngine.layer(engine === undefined ? {} : { endpoint: engine })),
      ),
    ).pipe(Effect.timeoutOption(patience))
    return Option.isSome(checked) &&
      checked.value._tag === "Failure" &&
      checked.value.failure.operation === notManagerOperation
      ? checked.value.failure.message
      : undefined
  })
