import { Effect } from "effect"
import { EngineError } from "../EngineError.ts"
import { SwarmEngine } from "./SwarmEngine.ts"

/** Operation name of the refusal: callers tell it from an engine outage by it (exit 2, not 1). */
export const notManagerOperation = "SwarmEngine.requireManager"

/**
 * The swarm target's first check: only a Swarm manager takes service changes. Anywhere
 * else (a plain engine, a worker node, a locked swarm) the pass is refused before
 * anything is read or changed, with what to do.
 */
export const requireSwarmManager = Effect.gen(function* () {
  const info = yield* (yield* SwarmEngine).manager
  if (info.manager) return info
  return yield* new EngineError({
    reason: "BadRequest",
    operation: notManagerOperation,
    message: `the engine is not a Docker Swarm manager (its swarm state: ${info.nodeState}${
      info.nodeState === "active" ? ", a worker node" : ""
    }), and the swarm target (--swarm, FLEETD_SWARM or x-fleetd.target: swarm) deploys Swarm services, which only a manager accepts; nothing was changed. Point --engine at a manager, run \`docker swarm init\` on this host, or run without the swarm target to deploy containers`,
  })
})
