import { Clock, Data, Effect } from "effect"
import type { ContainerSpec } from "../domain/ContainerSpec.ts"
import type { UpdateSettings } from "../domain/DesiredState.ts"
import { hasHealthcheck } from "../domain/firstCreation.ts"
import { leavesExited } from "../domain/jobs.ts"
import { ContainerEngine, type ContainerState } from "../engine/ContainerEngine.ts"

/** How often the gate inspects: short enough that a rollback starts within a fraction of a second. */
export const gatePollMs = 100

/** The new container did not prove itself: why, in words for status and the CLI. */
export class GateFailed extends Data.TaggedError("GateFailed")<{ readonly reason: string }> {}

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`)

const exited = (name: string, s: ContainerState) =>
  new GateFailed({ reason: `${name} exited (status ${s.status}, exit code ${s.exitCode})` })

/**
 * Waits until a just-started container is ready. With a healthcheck (the spec's, or
 * the image's when the engine reports a health status), until the engine says
 * `healthy` within `healthTimeoutMs`, failing at once on `unhealthy`; without one,
 * until it has run `minReadyMs` without exiting or restarting. Bounded by those
 * timeouts plus one engine call, so an uninterruptible action stays bounded. An engine
 * error while waiting fails the gate too: a container fleetd cannot see is not ready.
 * On Podman each inspection also runs a due healthcheck (podmanHealth.ts). A job (restart
 * "no" or "on-failure") that exits with code 0 has done what it is for: ready.
 * `restartsBefore` is the restart count that is not the container's fault: unset, the
 * count at the first inspection; 0 for a container on trial, so a restart while fleetd
 * was down (gated again after a crash) fails the gate too.
 */
export const awaitReady = Effect.fnUntraced(function* (
  name: string,
  id: string,
  spec: ContainerSpec,
  update: UpdateSettings,
  restartsBefore?: number,
) {
  const engine = yield* ContainerEngine
  const inspect = engine
    .inspectContainer(id)
    .pipe(Effect.mapError((e) => new GateFailed({ reason: `cannot inspect ${name}: ${e.message}` })))
  const startedAt = yield* Clock.currentTimeMillis
  const first = yield* inspect
  const restarts = restartsBefore ?? first.restartCount
  const checked = hasHealthcheck(spec) || (spec.healthcheck?.test[0] !== "NONE" && first.health !== undefined)
  const limit = checked ? update.healthTimeoutMs : update.minReadyMs
  let state = first
  for (;;) {
    if (!state.running) {
      // Podman says "stopped" for a moment before "exited": any end but "created" counts.
      if (state.exitCode === 0 && state.status !== "created" && leavesExited(spec)) return
      return yield* exited(name, state)
    }
    if (state.restartCount !== restarts)
      return yield* new GateFailed({
        reason: `${name} restarted ${state.restartCount - restarts} time(s) within ${seconds(update.minReadyMs)}`,
      })
    if (checked && state.health === "healthy") return
    if (checked && state.health === "unhealthy")
      return yield* new GateFailed({ reason: `${name} is unhealthy: its healthcheck failed` })
    const elapsed = (yield* Clock.currentTimeMillis) - startedAt
    if (elapsed >= limit) {
      if (!checked) return
      return yield* new GateFailed({
        reason: `${name} did not become healthy within ${seconds(limit)} (health: ${state.health ?? "unknown"})`,
      })
    }
    yield* Effect.sleep(Math.max(1, Math.min(gatePollMs, limit - elapsed)))
    state = yield* inspect
  }
})

/**
 * `condition: service_completed_successfully`: waits (up to `timeoutMs`) until the
 * dependency's container has exited, and fails unless its exit code was 0, as Compose
 * does before it starts the dependent.
 */
export const awaitCompletion = Effect.fnUntraced(function* (name: string, timeoutMs: number) {
  const engine = yield* ContainerEngine
  const inspect = engine
    .inspectContainer(name)
    .pipe(Effect.mapError((e) => new GateFailed({ reason: `cannot inspect ${name}: ${e.message}` })))
  const startedAt = yield* Clock.currentTimeMillis
  for (;;) {
    const state = yield* inspect
    if (!state.running && state.status !== "restarting" && state.status !== "created") {
      if (state.exitCode === 0) return
      return yield* new GateFailed({
        reason: `${name} did not complete successfully (exit code ${state.exitCode})`,
      })
    }
    const elapsed = (yield* Clock.currentTimeMillis) - startedAt
    if (elapsed >= timeoutMs)
      return yield* new GateFailed({ reason: `${name} did not complete within ${seconds(timeoutMs)}` })
    yield* Effect.sleep(Math.max(1, Math.min(gatePollMs, timeoutMs - elapsed)))
  }
})
