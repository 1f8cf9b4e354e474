import { Effect } from "effect"
import type { Action } from "../domain/Action.ts"
import { containerLabels } from "../domain/containerLabels.ts"
import type { DesiredService } from "../domain/DesiredState.ts"
import { nextContainerName } from "../domain/labels.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import type { EngineError } from "../engine/EngineError.ts"
import { ActionError } from "./ActionError.ts"
import { retryEngine } from "./retryEngine.ts"

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
        case "Create": {
          const { service } = action
          const labels = containerLabels(fleet, service, action.specHash, action.imageId, revision)
          const id = yield* retryEngine(
            engine.createContainer(service.containerName, service.spec, labels),
          ).pipe(
            Effect.mapError((e) =>
              e.reason === "Conflict"
                ? new ActionError({
                    service: service.name,
                    message: `the container name ${service.containerName} is taken by a container fleetd does not manage; rename or remove that container, or rename the service`,
                  })
                : describe(service.name, `creating ${service.containerName}`)(e),
            ),
          )
          yield* startAndCheck(service.name, id, service.containerName)
          return
        }
        case "Replace":
          return yield* replace(fleet, revision, action)
        case "Start":
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

/**
 * Create first, destroy last. The new container is created as `<name>--next` and must
 * be running before the old one is removed and the new one takes the name. Stop-first
 * (fixed host ports) stops the old one first but keeps it until the new one runs, and
 * restarts it when the new one fails. A crash at any step leaves containers the
 * planner converges from (see planService).
 */
const replace = Effect.fnUntraced(function* (
  fleet: string,
  revision: string,
  action: Extract<Action, { _tag: "Replace" }>,
) {
  const engine = yield* ContainerEngine
  const { service, old } = action
  const next = nextContainerName(fleet, service.name)
  const labels = containerLabels(fleet, service, action.specHash, action.imageId, revision)
  const stopFirst = action.strategy === "stop-first"

  if (stopFirst) {
    yield* retryEngine(engine.stopContainer(old.id, graceOf(service))).pipe(
      Effect.mapError(describe(service.name, `stopping ${old.name} before its replacement`)),
    )
  }
  const restoreOld =
    stopFirst && old.running ? Effect.ignore(retryEngine(engine.startContainer(old.id))) : Effect.void

  const id = yield* retryEngine(engine.createContainer(next, service.spec, labels)).pipe(
    Effect.mapError(describe(service.name, `creating ${next}`)),
    Effect.tapError(() => restoreOld),
  )
  yield* startAndCheck(service.name, id, next).pipe(
    Effect.tapError(() =>
      Effect.ignore(retryEngine(engine.removeContainer(id))).pipe(Effect.andThen(restoreOld)),
    ),
  )

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
})
