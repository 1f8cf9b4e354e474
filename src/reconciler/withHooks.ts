import { Effect } from "effect"
import type { DesiredService } from "../domain/DesiredState.ts"
import type { HookResult } from "../domain/HookResult.ts"
import type { ContainerEngine } from "../engine/ContainerEngine.ts"
import { ActionError } from "./ActionError.ts"
import { type HookContext, runHooks } from "./runHooks.ts"

/** The hooks of one create or replace: its context, for post_deploy inside the action. */
export interface Hooked {
  readonly hooks: HookContext
}

/**
 * Runs a create or replace between its hooks. pre_deploy runs first, in the container
 * that serves now (none on a first deployment); when it fails, nothing else runs, so
 * the old container keeps serving untouched. Whenever the change fails (a hook, the
 * gate, the engine), on_failure runs, in whatever then holds the service's name. The
 * results of every step that ran come back on success and on the ActionError. A resumed
 * rollout (`preDeploy` false) already ran its pre_deploy before the crash.
 */
export const withHooks = <R>(
  fleet: string,
  revision: string,
  service: DesiredService,
  serving: string | undefined,
  body: (hooked: Hooked) => Effect.Effect<void, ActionError, R>,
  preDeploy = true,
): Effect.Effect<ReadonlyArray<HookResult>, ActionError, R | ContainerEngine> => {
  const results: Array<HookResult> = []
  const hooks: HookContext = { fleet, revision, service, containerId: serving, results }
  return Effect.gen(function* () {
    if (preDeploy)
      yield* runHooks(hooks, "pre_deploy").pipe(
        Effect.mapError(
          (failed) =>
            new ActionError({
              service: service.name,
              message: `${failed.reason}; the update was not started${serving === undefined ? "" : ", the running container was left as it was"}`,
              ...(failed.result.outputTail === undefined ? {} : { logs: failed.result.outputTail }),
            }),
        ),
      )
    yield* body({ hooks })
    return results as ReadonlyArray<HookResult>
  }).pipe(
    Effect.catch((error) =>
      Effect.ignore(runHooks({ ...hooks, containerId: service.containerName }, "on_failure")).pipe(
        Effect.andThen(
          Effect.fail(
            new ActionError({
              service: error.service,
              message: error.message,
              ...(error.rolledBack === undefined ? {} : { rolledBack: error.rolledBack }),
              ...(error.logs === undefined ? {} : { logs: error.logs }),
              ...(results.length === 0 ? {} : { hooks: results }),
            }),
          ),
        ),
      ),
    ),
  )
}
