import { Effect } from "effect"
import type { Action } from "../domain/Action.ts"
import type { ContainerSpec } from "../domain/ContainerSpec.ts"
import { containerLabels } from "../domain/containerLabels.ts"
import { type DesiredService, defaultUpdateSettings } from "../domain/DesiredState.ts"
import { NextSuffix, PrevSuffix } from "../domain/labels.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import { copyGrantsIn } from "../engine/copyGrantsIn.ts"
import type { EngineError } from "../engine/EngineError.ts"
import { ActionError } from "./ActionError.ts"
import { awaitReady } from "./healthGate.ts"
import { retryEngine } from "./retryEngine.ts"
import { type HookFailed, hasHooks, runHooks } from "./runHooks.ts"
import { type Hooked, withHooks } from "./withHooks.ts"

/** Default grace period for stopping a container whose spec does not say. */
const defaultGraceSeconds = 10

const graceOf = (service: DesiredService): number =>
  service.spec.stopGracePeriodSeconds ?? defaultGraceSeconds

const describe = (service: string, what: string) => (error: EngineError) =>
  new ActionError({ service, message: `${what}: ${error.message}` })

/**
 * Runs one container action. The whole action is uninterruptible: an interrupted pass
 * stops between actions, never between the steps of a replacement. Every failure is
 * an ActionError naming the step; engine calls are retried only when the engine is
 * unavailable (retryEngine).
 */
export const runAction = (fleet: string, revision: string, action: Action) =>
  Effect.uninterruptible(
    Effect.gen(function* () {
      const engine = yield* ContainerEngine
      switch (action._tag) {
        case "Create":
          return yield* withHooks(fleet, revision, action.service, undefined, (hooked) =>
            create(fleet, revision, action, hooked),
          )
        case "Replace":
          return yield* withHooks(
            fleet,
            revision,
            action.service,
            action.old.running ? action.old.id : undefined,
            (hooked) => replace(fleet, revision, action, hooked),
          )
        case "Start":
          if (action.spec !== undefined)
            yield* copyIn(action.service, action.containerId, action.containerName, action.spec)
          return yield* startAndCheck(action.service, action.containerId, action.containerName)
        case "Adopt":
          return yield* retryEngine(engine.renameContainer(action.containerId, action.to)).pipe(
            Effect.mapError(describe(action.service, `renaming ${action.from} to ${action.to}`)),
          )
        case "Remove":
          yield* retryEngine(engine.stopContainer(action.containerId, defaultGraceSeconds)).pipe(
            Effect.mapError(describe(action.service, `stopping ${action.containerName}`)),
          )
          return yield* retryEngine(engine.removeContainer(action.containerId)).pipe(
            Effect.mapError(describe(action.service, `removing ${action.containerName}`)),
          )
        default:
          return
      }
    }),
  )

/**
 * A first deployment. It has nothing to fall back to: a container that fails its gate
 * or its post_deploy stays, for its logs.
 */
const create = Effect.fnUntraced(function* (
  fleet: string,
  revision: string,
  action: Extract<Action, { _tag: "Create" }>,
  { hooks }: Hooked,
) {
  const engine = yield* ContainerEngine
  const { service } = action
  const labels = containerLabels(fleet, service, action.specHash, action.imageId, revision)
  const id = yield* retryEngine(engine.createContainer(service.containerName, service.spec, labels)).pipe(
    Effect.mapError((e) =>
      e.reason === "Conflict"
        ? new ActionError({
            service: service.name,
            message: `the container name ${service.containerName} is taken by a container fleetd does not manage; rename or remove that container, or rename the service`,
          })
        : describe(service.name, `creating ${service.containerName}`)(e),
    ),
  )
  // A failed copy leaves the container created: the next pass starts it, copying again.
  yield* copyIn(service.name, id, service.containerName, service.spec)
  yield* retryEngine(engine.startContainer(id)).pipe(
    Effect.mapError(describe(service.name, `starting ${service.containerName}`)),
  )
  yield* gate(service, id, service.containerName).pipe(
    Effect.catchTag("GateFailed", (failed) =>
      Effect.flatMap(logTail(id), (logs) =>
        Effect.fail(new ActionError({ service: service.name, message: failed.reason, ...logs })),
      ),
    ),
  )
  yield* runHooks({ ...hooks, containerId: id }, "post_deploy").pipe(
    Effect.mapError((failed) => hookError(service.name, failed, `; ${service.containerName} was kept`)),
  )
})

/** A failed pre_deploy or post_deploy step as the action's error, its output as the log tail. */
const hookError = (service: string, failed: HookFailed, consequence: string) =>
  new ActionError({
    service,
    message: `${failed.reason}${consequence}`,
    ...(failed.result.outputTail === undefined ? {} : { logs: failed.result.outputTail }),
  })

/** Copies the secrets and configs the spec gives by value into a created container (before each start). */
const copyIn = Effect.fnUntraced(function* (service: string, id: string, name: string, spec: ContainerSpec) {
  const engine = yield* ContainerEngine
  yield* retryEngine(copyGrantsIn(engine.putArchive, id, spec)).pipe(
    Effect.mapError(describe(service, `copying secrets and configs into ${name}`)),
  )
})

/** Starts a container and checks the engine reports it running (it may exit at once). */
const startAndCheck = Effect.fnUntraced(function* (service: string, id: string, name: string) {
  const engine = yield* ContainerEngine
  yield* retryEngine(engine.startContainer(id)).pipe(Effect.mapError(describe(service, `starting ${name}`)))
  const state = yield* retryEngine(engine.inspectContainer(id)).pipe(
    Effect.mapError(describe(service, `inspecting ${name}`)),
  )
  if (!state.running) {
    return yield* new ActionError({
      service,
      message: `${name} exited right after starting (status ${state.status}, exit code ${state.exitCode}); see \`docker logs ${name}\``,
    })
  }
})

/** Lines of a failed container's log kept for status: enough to see why, bounded. */
export const logTailLines = 20

/** The health gate with the service's settings (defaults when the manifest says nothing). */
const gate = (service: DesiredService, id: string, name: string) =>
  awaitReady(name, id, service.spec, service.update ?? defaultUpdateSettings)

/** The container's last lines, or nothing when the engine cannot say: a missing tail must not hide the failure. */
const logTail = Effect.fnUntraced(function* (id: string) {
  const engine = yield* ContainerEngine
  return yield* engine.containerLogs(id, logTailLines).pipe(
    Effect.map((logs): { logs?: string } => (logs === "" ? {} : { logs })),
    Effect.orElseSucceed((): { logs?: string } => ({})),
  )
})

/**
 * Create first, destroy last. The new container is created as `<name>--next`, started
 * and health-gated (healthGate.ts) before the old one is removed and the new one takes
 * the name. Stop-first (fixed host ports) stops the old one first but keeps it until
 * the new one passes. When the gate fails, the new container's log tail is kept, the
 * new container removed and the old one serves again (started again after stop-first):
 * the service is rolled back. With `rollback: false` the failed container replaces the
 * old one anyway, for debugging. A crash at any step leaves containers the planner
 * converges from (see planService).
 */
const replace = Effect.fnUntraced(function* (
  fleet: string,
  revision: string,
  action: Extract<Action, { _tag: "Replace" }>,
  { hooks }: Hooked,
) {
  const engine = yield* ContainerEngine
  const { service, old } = action
  const next = `${service.containerName}${NextSuffix}`
  const labels = containerLabels(fleet, service, action.specHash, action.imageId, revision)
  const stopFirst = action.strategy === "stop-first"
  const settings = service.update ?? defaultUpdateSettings

  if (stopFirst) {
    yield* retryEngine(engine.stopContainer(old.id, graceOf(service))).pipe(
      Effect.mapError(describe(service.name, `stopping ${old.name} before its replacement`)),
    )
  }
  const restartOld = stopFirst && old.running ? retryEngine(engine.startContainer(old.id)) : Effect.void
  const restoreOld = Effect.ignore(restartOld)

  const id = yield* retryEngine(engine.createContainer(next, service.spec, labels)).pipe(
    Effect.mapError(describe(service.name, `creating ${next}`)),
    Effect.tapError(() => restoreOld),
  )
  const dropNext = Effect.ignore(retryEngine(engine.removeContainer(id))).pipe(Effect.andThen(restoreOld))
  yield* copyIn(service.name, id, next, service.spec).pipe(Effect.tapError(() => dropNext))
  // An exit right after starting is the gate's to judge: it is a rollback, not an engine failure.
  yield* retryEngine(engine.startContainer(id)).pipe(
    Effect.mapError(describe(service.name, `starting ${next}`)),
    Effect.tapError(() => dropNext),
  )
  const failed = yield* gate(service, id, next).pipe(
    Effect.as(undefined),
    Effect.catchTag("GateFailed", (e) => Effect.succeed(e)),
  )
  const logs = failed === undefined ? {} : yield* logTail(id)

  /**
   * Puts the old container back: the new one (named `current`) is removed, the old one
   * gets its name back when post_deploy ran under it, and is started again after stop-first.
   */
  const rollBack = (reason: string, logs: { logs?: string }, current: string, renameBack: boolean) =>
    Effect.gen(function* () {
      yield* retryEngine(engine.removeContainer(id)).pipe(
        Effect.mapError(describe(service.name, `${reason}; removing ${current} for the rollback`)),
      )
      if (renameBack)
        yield* retryEngine(engine.renameContainer(old.id, old.name)).pipe(
          Effect.mapError(
            describe(service.name, `${reason}; rolled back, but renaming the old container to ${old.name}`),
          ),
        )
      yield* restartOld.pipe(
        Effect.mapError(
          (e) =>
            new ActionError({
              service: service.name,
              message: `${reason}; rolled back, but ${old.name} could not be started again: ${e.message}`,
              ...logs,
            }),
        ),
      )
      return yield* new ActionError({
        service: service.name,
        message: `${reason}; rolled back to ${old.name}`,
        rolledBack: true,
        ...logs,
      })
    })

  if (failed !== undefined && settings.rollback) return yield* rollBack(failed.reason, logs, next, false)

  if (failed === undefined && hasHooks(service, "post_deploy")) {
    // post_deploy runs once the new container holds the name. The old one is kept until
    // it passes, as `--prev` (still serving after start-first), so a failure rolls back;
    // after a crash the planner removes a `--prev` like any leftover.
    const prev = `${old.name}${PrevSuffix}`
    yield* retryEngine(engine.renameContainer(old.id, prev)).pipe(
      Effect.catch((e) => rollBack(`renaming ${old.name} to ${prev}: ${e.message}`, {}, next, false)),
    )
    yield* retryEngine(engine.renameContainer(id, service.containerName)).pipe(
      Effect.catch((e) =>
        rollBack(`renaming ${next} to ${service.containerName}: ${e.message}`, {}, next, true),
      ),
    )
    const hookFailed = yield* runHooks({ ...hooks, containerId: id }, "post_deploy").pipe(
      Effect.as(undefined),
      Effect.catchTag("HookFailed", (e) => Effect.succeed(e)),
    )
    if (hookFailed !== undefined && settings.rollback) {
      const output = hookFailed.result.outputTail
      return yield* rollBack(
        hookFailed.reason,
        output === undefined ? {} : { logs: output },
        service.containerName,
        true,
      )
    }
    if (!stopFirst)
      yield* retryEngine(engine.stopContainer(old.id, graceOf(service))).pipe(
        Effect.mapError(describe(service.name, `stopping ${prev}`)),
      )
    yield* retryEngine(engine.removeContainer(old.id)).pipe(
      Effect.mapError(describe(service.name, `removing ${prev}`)),
    )
    if (hookFailed !== undefined)
      return yield* hookError(
        service.name,
        hookFailed,
        `; kept as ${service.containerName} (rollback: false)`,
      )
    return
  }

  if (!stopFirst) {
    yield* retryEngine(engine.stopContainer(old.id, graceOf(service))).pipe(
      Effect.mapError(describe(service.name, `stopping ${old.name}`)),
    )
  }
  yield* retryEngine(engine.removeContainer(old.id)).pipe(
    Effect.mapError(describe(service.name, `removing ${old.name}`)),
  )
  yield* retryEngine(engine.renameContainer(id, service.containerName)).pipe(
    Effect.mapError(describe(service.name, `renaming ${next} to ${service.containerName}`)),
  )
  if (failed !== undefined) {
    return yield* new ActionError({
      service: service.name,
      message: `${failed.reason}; kept as ${service.containerName} for debugging (rollback: false)`,
      ...logs,
    })
  }
})
