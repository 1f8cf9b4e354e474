import { Effect } from "effect"
import type { Action } from "../domain/Action.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import type { EngineError } from "../engine/EngineError.ts"
import { retryEngine } from "./retryEngine.ts"

/**
 * A network whose spec changed is removed and created again; the engine cannot change
 * it in place, and refuses to remove it while containers are attached. So: disconnect
 * them, remove, create, connect them again with their aliases. Whatever happens after
 * the first disconnect, every container is connected again to the network of that name
 * (the new one, or the old one when removing it failed). A container that cannot be
 * connected again is removed: its labels would call it converged while it has lost its
 * network, and the next pass creates it afresh.
 */
export const recreateNetwork = (
  fleet: string,
  action: Extract<Action, { _tag: "RecreateNetwork" }>,
): Effect.Effect<void, EngineError, ContainerEngine> =>
  Effect.gen(function* () {
    const engine = yield* ContainerEngine
    const { network } = action
    const disconnected: Array<(typeof action.attached)[number]> = []
    // Suspended: `disconnected` is read when the finalizer runs, not when it is built.
    const reconnect = Effect.suspend(() =>
      Effect.forEach(
        disconnected,
        (c) =>
          c.aliases === undefined
            ? Effect.void
            : retryEngine(engine.connectNetwork(network.name, c.containerId, c.aliases, c.endpoint)).pipe(
                Effect.catch(() => Effect.ignore(retryEngine(engine.removeContainer(c.containerId)))),
              ),
        { discard: true },
      ),
    )
    yield* Effect.gen(function* () {
      for (const c of action.attached) {
        yield* retryEngine(engine.disconnectNetwork(network.name, c.containerId))
        disconnected.push(c)
      }
      yield* retryEngine(engine.removeNetwork(action.id))
      yield* retryEngine(engine.ensureNetwork(fleet, network))
    }).pipe(Effect.ensuring(reconnect), Effect.uninterruptible)
  })
