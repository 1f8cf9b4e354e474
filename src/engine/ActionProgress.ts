import { Context } from "effect"

/**
 * Whether the container action running on this fiber has begun changing the engine.
 *
 * runAction is uninterruptible so that a shutdown never leaves a replacement between its
 * steps. But a pass of hundreds of actions (a fleet shrunk, a first deploy) starts them
 * all at once, and most wait for one of BoundedEngine's few permits before their first
 * engine change: uninterruptible, that wait kept a stopping daemon removing containers for
 * minutes. An action that has not started has done nothing, so BoundedEngine lets its first
 * wait be interrupted and marks it started once the permit is taken; from there on the
 * action runs to its end as before.
 */
export class ActionProgress extends Context.Service<ActionProgress, { started: boolean }>()(
  "fleetd/engine/ActionProgress",
) {}
