import { Effect } from "effect"
import type { Action } from "../domain/Action.ts"
import { ActionProgress } from "../engine/ActionProgress.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import { ActionError } from "./ActionError.ts"
import { handOver, reportHandoverFailed } from "./handOver.ts"
import { retryEngine } from "./retryEngine.ts"
import { copyIn, create, defaultGraceSeconds, describe, discardTrial, replace, resume } from "./rollout.ts"
import { withHooks } from "./withHooks.ts"

/**
 * Runs one container action. The whole action is uninterruptible: an interrupted pass
 * stops between actions, never between the steps of a replacement. (An action still
 * waiting for its first engine permit has not started and may be dropped: ActionProgress.) Every failure is
 * an ActionError naming the step; engine calls are retried only when the engine is
 * unavailable (retryEngine). A first creation waits for its gate only with
 * `awaitCreations` or post_deploy steps (firstCreation.ts).
 */
export const runAction = (fleet: string, revision: string, action: Action, awaitCreations = false) =>
  Effect.uninterruptible(
    Effect.gen(function* () {
      const engine = yield* ContainerEngine
      switch (action._tag) {
        case "Create":
          return yield* withHooks(fleet, revision, action.service, undefined, ({ hooks }) =>
            create(fleet, revision, action, hooks, awaitCreations),
          )
        case "Replace":
          return yield* withHooks(
            fleet,
            revision,
            action.service,
            action.old.running ? action.old.id : undefined,
            ({ hooks }) => replace(fleet, revision, action, hooks),
          )
        case "Resume":
          return yield* withHooks(
            fleet,
            revision,
            action.service,
            undefined,
            ({ hooks }) => resume(action, hooks),
            false,
          )
        case "RollBack":
          return yield* withHooks(
            fleet,
            revision,
            action.service,
            undefined,
            ({ hooks }) => discardTrial(action, hooks),
            false,
          ).pipe(Effect.as(undefined))
        case "Handover":
          return yield* handOver(fleet, revision, action)
        case "HandoverFailed":
          return yield* reportHandoverFailed(action)
        case "Start":
          if (action.spec !== undefined)
            yield* copyIn(action.service, action.containerId, action.containerName, action.spec)
          return yield* startAndCheck(action.service, action.containerId, action.containerName)
        case "Adopt":
          return yield* retryEngine(engine.renameContainer(action.containerId, action.to)).pipe(
            Effect.mapError(describe(action.service, `renaming ${action.from} to ${action.to}`)),
          )
        case "Remove":
          yield* retryEngine(
            engine.stopContainer(action.containerId, action.stopSeconds ?? defaultGraceSeconds),
          ).pipe(Effect.mapError(describe(action.service, `stopping ${action.containerName}`)))
          return yield* retryEngine(engine.removeContainer(action.containerId)).pipe(
            Effect.mapError(describe(action.service, `removing ${action.containerName}`)),
          )
        default:
          return
      }
    }),
  ).pipe(
    Effect.provideServiceEffect(
      ActionProgress,
      Effect.sync(() => ({ started: false })),
    ),
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
