import { Clock, Effect, Schedule } from "effect"
import type { ContainerSpec } from "../domain/ContainerSpec.ts"
import { type HandoverPlan, RolledBackSuffix, StandbySuffix } from "../domain/handover.ts"
import { NextSuffix, PrevSuffix } from "../domain/labels.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import type { EngineError } from "../engine/EngineError.ts"
import { logEvent } from "../observability/logEvent.ts"
import { awaitFleetdReady } from "../reconciler/fleetdReady.ts"
import { awaitReady } from "../reconciler/healthGate.ts"
import { retryEngine } from "../reconciler/retryEngine.ts"
import { failedPrefix } from "../reconciler/standbyVerdict.ts"
import { StatusStore } from "./StatusStore.ts"

/** How often a standby looks for the commit (the old container renamed `--prev`). */
const commitPollMs = 200

/** Lines of the new fleetd's log a failed takeover writes to the standby's own log. */
const logTailLines = 15

/** What awaitReady reads of a spec: the healthcheck and the restart policy the plan carries. */
const gateSpec = (plan: HandoverPlan): ContainerSpec => ({
  image: "",
  env: [],
  ports: [],
  mounts: [],
  networks: [],
  labels: {},
  restart: plan.restart,
  readOnly: false,
  tmpfs: {},
  init: false,
  extraHosts: [],
  ...(plan.healthcheck === undefined ? {} : { healthcheck: plan.healthcheck }),
})

/** The container's id under `name`, or undefined when there is none. */
const idOf = Effect.fnUntraced(function* (name: string) {
  const engine = yield* ContainerEngine
  return yield* engine.inspectContainer(name).pipe(
    Effect.map((s): { id: string; name: string } | undefined => ({ id: s.id, name: s.name })),
    Effect.catchIf(
      (e) => e.reason === "NotFound",
      () => Effect.succeed(undefined),
    ),
  )
})

/**
 * The standby's half of a handover (handover.ts), in `fleetd run` with FLEETD_STANDBY:
 * it says it is ready once the engine answers, then waits for the old fleetd's commit
 * (its container renamed `<name>--prev`) and takes over: it stops the old container
 * (SIGTERM: its current action finishes), renames the prepared `<name>--next` to
 * `<name>`, starts it and waits until it is healthy and ready (a pass done). Then it
 * removes the old container and itself. If the new one fails, it renames itself
 * `<name>--rolledback` (the record the old fleetd reads), removes the new one, puts the
 * old one back, starts it and stops itself. Every step reads the names first, so a
 * standby killed anywhere and restarted (its restart policy is unless-stopped) goes on
 * from where it was.
 */
export const superviseHandover = Effect.fn("superviseHandover")(function* (plan: HandoverPlan) {
  const engine = yield* ContainerEngine
  const status = yield* StatusStore
  const name = plan.name
  const standby = name + StandbySuffix
  const rolledBack = name + RolledBackSuffix
  const retry = <A, R>(effect: Effect.Effect<A, EngineError, R>) => retryEngine(effect)

  // Ready as a standby once the engine answers (it may be restarting: keep asking).
  const info = yield* engine.info.pipe(Effect.retry(Schedule.spaced("500 millis")))
  yield* status.update((s) => ({ ...s, phase: "Standby", engine: { reachable: true, ...info } }))
  yield* logEvent("Info", `handover: standby for ${name}; waiting for the old fleetd to commit`, {
    service: plan.service,
    revision: plan.revision,
  })

  const putBack = Effect.fnUntraced(function* (reason: string) {
    const current = yield* retry(idOf(name))
    if (current !== undefined && current.id !== plan.old) yield* retry(engine.removeContainer(current.id))
    const next = yield* retry(idOf(name + NextSuffix))
    if (next !== undefined) yield* retry(engine.removeContainer(next.id))
    const old = yield* retry(idOf(plan.old))
    if (old !== undefined && old.name !== name) yield* retry(engine.renameContainer(plan.old, name))
    if (old !== undefined) yield* retry(engine.startContainer(plan.old))
    yield* logEvent("Error", `handover: rolled back to the old fleetd: ${reason}`, { service: plan.service })
    // Stopped by the engine, so its restart policy leaves it stopped: the record stays.
    yield* retry(engine.stopContainer(rolledBack, 10))
  })

  // Restarted half-way through a rollback: finish it.
  if ((yield* retry(idOf(rolledBack))) !== undefined) return yield* putBack("resumed after a restart")

  for (;;) {
    const old = yield* retry(idOf(plan.old))
    // Gone: an earlier run of this standby finished and was killed before removing itself.
    if (old === undefined) return yield* retry(engine.removeContainer(standby))
    if (old.name === name + PrevSuffix) break
    yield* Effect.sleep(commitPollMs)
  }

  const stoppedAt = yield* Clock.currentTimeMillis
  yield* logEvent("Info", `handover: committed; stopping the old fleetd ${name}${PrevSuffix}`, {
    service: plan.service,
  })
  const failure = yield* takeOver(plan).pipe(
    Effect.catch((e: EngineError) => Effect.succeed({ reason: e.message, logs: "" })),
  )
  if (failure === undefined) {
    const readyAt = yield* Clock.currentTimeMillis
    yield* logEvent("Info", `handover: the new fleetd is ready; removing the old one and this standby`, {
      service: plan.service,
      gapMs: readyAt - stoppedAt,
    })
    yield* retry(engine.removeContainer(plan.old))
    return yield* retry(engine.removeContainer(standby))
  }
  yield* logEvent("Error", `${failedPrefix}${failure.reason}`, {
    service: plan.service,
    ...(failure.logs === "" ? {} : { logs: failure.logs }),
  })
  yield* retry(engine.renameContainer(standby, rolledBack))
  return yield* putBack(failure.reason)
})

/** Stop the old one, start the new one, wait until it is ready: undefined, or why it failed. */
const takeOver = Effect.fnUntraced(function* (plan: HandoverPlan) {
  const engine = yield* ContainerEngine
  const name = plan.name
  yield* retryEngine(engine.stopContainer(plan.old, plan.graceSeconds))
  const next = yield* retryEngine(idOf(name + NextSuffix))
  if (next !== undefined) yield* retryEngine(engine.renameContainer(next.id, name))
  const current = next ?? (yield* retryEngine(idOf(name)))
  if (current === undefined || current.id === plan.old)
    return { reason: `the prepared container ${name}${NextSuffix} is gone`, logs: "" }
  yield* retryEngine(engine.startContainer(current.id))
  const update = { healthTimeoutMs: plan.healthTimeoutMs, minReadyMs: plan.minReadyMs, rollback: true }
  const startedAt = yield* Clock.currentTimeMillis
  const gate = yield* awaitReady(name, current.id, gateSpec(plan), update).pipe(
    Effect.as(undefined),
    Effect.catchTag("GateFailed", (e) => Effect.succeed(e.reason)),
  )
  const left = plan.healthTimeoutMs - ((yield* Clock.currentTimeMillis) - startedAt)
  const reason = gate ?? (yield* awaitFleetdReady(current.id, Math.max(left, 1000)))
  if (reason === undefined) return undefined
  const logs = yield* engine.containerLogs(current.id, logTailLines).pipe(Effect.orElseSucceed(() => ""))
  return { reason, logs }
})
