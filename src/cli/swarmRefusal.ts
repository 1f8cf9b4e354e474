import { Effect } from "effect"
import type { DaemonSetup } from "../daemon/DaemonSetup.ts"
import { daemonWide } from "../daemon/DaemonSetup.ts"
import { DockerSwarmEngine } from "../engine/swarm/DockerSwarmEngine.ts"
import { notManagerOperation, requireSwarmManager } from "../engine/swarm/requireSwarmManager.ts"

/**
 * `fleetd run --swarm` on an engine that is no Swarm manager: the reason it must not
 * start (a usage error, exit 2), else undefined. An engine that cannot be reached yet
 * is no reason: the daemon starts and its passes report the engine.
 */
export const swarmRefusal = (setup: DaemonSetup) =>
  Effect.gen(function* () {
    if (!setup.sources.some((s) => s.settings.swarm === true)) return undefined
    const engine = daemonWide(setup).engine
    const checked = yield* Effect.result(
      requireSwarmManager.pipe(
        Effect.provide(DockerSwarmEngine.layer(engine === undefined ? {} : { endpoint: engine })),
      ),
    )
    return checked._tag === "Failure" && checked.failure.operation === notManagerOperation
      ? checked.failure.message
      : undefined
  })
