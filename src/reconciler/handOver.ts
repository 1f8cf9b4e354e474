import { Effect } from "effect"
import type { Action } from "../domain/Action.ts"
import type { ContainerSpec } from "../domain/ContainerSpec.ts"
import { containerLabels } from "../domain/containerLabels.ts"
import { defaultUpdateSettings } from "../domain/DesiredState.ts"
import { HandoverLabels, type HandoverPlan, StandbySuffix, StandbyVariable } from "../domain/handover.ts"
import { NextSuffix, PrevSuffix } from "../domain/labels.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import { copyGrantsIn } from "../engine/copyGrantsIn.ts"
import type { EngineError } from "../engine/EngineError.ts"
import { ActionError } from "./ActionError.ts"
import { awaitFleetdReady } from "./fleetdReady.ts"
import { awaitReady } from "./healthGate.ts"
import { retryEngine } from "./retryEngine.ts"
import { createTrial } from "./rollout.ts"
import { standbyVerdict } from "./standbyVerdict.ts"

/** Lines of a failed fleetd's log kept for status, as for any rolled-back service. */
const logTailLines = 20

/**
 * The standby runs the new spec beside the old container: no host ports (they are the
 * old one's until it stops), no aliases or static addresses on its networks (they are
 * the old one's too, and nothing should reach a standby), and it restarts unless stopped
 * whatever the spec says, so a standby killed half-way through a takeover comes back
 * and finishes it (standby.ts).
 */
export const standbySpec = (spec: ContainerSpec, plan: HandoverPlan): ContainerSpec => ({
  ...spec,
  ports: [],
  networks: spec.networks.map((n) => ({ name: n.name, aliases: [] })),
  env: [
    ...spec.env.filter((e) => !e.startsWith(`${StandbyVariable}=`)),
    `${StandbyVariable}=${JSON.stringify(plan)}`,
  ],
  restart: "unless-stopped",
})

/**
 * The old fleetd's half of a handover (handover.ts): start `<name>--standby` from the
 * new spec, wait until it is healthy and says it is ready, prepare `<name>--next` (the
 * new container, created but not started: its host ports are still taken), then commit
 * by renaming the old container `<name>--prev`. From then on the standby is in charge:
 * it stops the old container (this process: SIGTERM, the current action finishes),
 * starts the new one and checks it, and puts the old one back if it fails. A standby
 * that fails here is removed and the old fleetd keeps running: the service is rolled
 * back, with the standby's log, and the spec held like any rolled-back spec.
 */
export const handOver = Effect.fnUntraced(function* (
  fleet: string,
  revision: string,
  action: Extract<Action, { _tag: "Handover" }>,
) {
  const engine = yield* ContainerEngine
  const { service, old } = action
  const name = service.containerName
  const settings = service.update ?? defaultUpdateSettings
  const plan: HandoverPlan = {
    fleet,
    service: service.name,
    name,
    old: old.id,
    specHash: action.specHash,
    revision,
    healthTimeoutMs: settings.healthTimeoutMs,
    minReadyMs: settings.minReadyMs,
    graceSeconds: service.spec.stopGracePeriodSeconds ?? 10,
    restart: service.spec.restart,
    ...(service.spec.healthcheck === undefined ? {} : { healthcheck: service.spec.healthcheck }),
  }
  const labels = containerLabels(fleet, service, action.specHash, action.imageId, revision)
  const fail = (message: string, extra: { logs?: string; rolledBack?: boolean } = {}) =>
    new ActionError({ service: service.name, message, ...extra })
  const step = <A, R>(what: string, effect: Effect.Effect<A, EngineError, R>) =>
    retryEngine(effect).pipe(Effect.mapError((e) => fail(`${what}: ${e.message}`)))

  const standby = name + StandbySuffix
  const spec = standbySpec(service.spec, plan)
  const standbyId = yield* step(
    `creating the standby ${standby}`,
    engine.createContainer(standby, spec, { ...labels, [HandoverLabels.role]: "standby" }),
  )
  const dropStandby = Effect.ignore(retryEngine(engine.removeContainer(standbyId)))
  yield* step(
    `copying secrets and configs into ${standby}`,
    copyGrantsIn(engine.putArchive, standbyId, spec),
  ).pipe(Effect.tapError(() => dropStandby))
  yield* step(`starting ${standby}`, engine.startContainer(standbyId)).pipe(
    Effect.tapError(() => dropStandby),
  )

  // The standby's gate: its healthcheck (or min_ready), then its own word that it is ready.
  const refused = yield* awaitReady(standby, standbyId, spec, settings).pipe(
    Effect.as(undefined),
    Effect.catchTag("GateFailed", (e) => Effect.succeed(e.reason)),
    Effect.flatMap((reason) =>
      reason !== undefined ? Effect.succeed(reason) : awaitFleetdReady(standbyId, settings.healthTimeoutMs),
    ),
  )
  if (refused !== undefined) {
    const logs = yield* engine.containerLogs(standbyId, logTailLines).pipe(Effect.orElseSucceed(() => ""))
    yield* dropStandby
    return yield* fail(`the new fleetd did not become ready as a standby: ${refused}; kept ${old.name}`, {
      rolledBack: true,
      ...(logs === "" ? {} : { logs }),
    })
  }

  // Created as any replacement's trial is (rollout.ts): its labels say what it replaces.
  const next = name + NextSuffix
  const nextId = yield* createTrial(fleet, revision, service, action.specHash, action.imageId, old).pipe(
    Effect.tapError(() => dropStandby),
  )
  const dropBoth = Effect.ignore(retryEngine(engine.removeContainer(nextId))).pipe(
    Effect.andThen(dropStandby),
  )
  yield* step(
    `copying secrets and configs into ${next}`,
    copyGrantsIn(engine.putArchive, nextId, service.spec),
  ).pipe(Effect.tapError(() => dropBoth))
  // The commit: the standby waits for exactly this rename.
  yield* step(
    `renaming ${old.name} to ${name}${PrevSuffix}`,
    engine.renameContainer(old.id, name + PrevSuffix),
  ).pipe(Effect.tapError(() => dropBoth))
  yield* Effect.logInfo(`handover: ${standby} takes over ${name}; this fleetd stops applying`)
})

/**
 * A standby renamed `<name>--rolledback`: it took over, the new fleetd failed, and it
 * put the old one back (this fleetd). Its log says why, with the new fleetd's last lines.
 */
export const reportHandoverFailed = Effect.fnUntraced(function* (
  action: Extract<Action, { _tag: "HandoverFailed" }>,
) {
  const engine = yield* ContainerEngine
  const logs = yield* engine
    .containerLogs(action.containerId, logTailLines)
    .pipe(Effect.orElseSucceed(() => ""))
  yield* retryEngine(engine.removeContainer(action.containerId)).pipe(
    Effect.mapError(
      (e) =>
        new ActionError({
          service: action.service,
          message: `removing ${action.containerName}: ${e.message}`,
        }),
    ),
  )
  // The standby's own verdict when its log still has it: the reason and the new fleetd's lines.
  const verdict = standbyVerdict(logs)
  return yield* new ActionError({
    service: action.service,
    message: `the new fleetd took over but did not become ready (${verdict?.reason ?? "see the standby's log"}); its standby put the old one back`,
    rolledBack: true,
    ...(verdict?.logs !== undefined ? { logs: verdict.logs } : logs === "" ? {} : { logs }),
  })
})
