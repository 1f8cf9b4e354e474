import { randomBytes } from "node:crypto"
import { Clock, Data, Effect } from "effect"
import type { DesiredService, HookPhase, HookStep } from "../domain/DesiredState.ts"
import { type HookResult, hookFailure, hookStepName } from "../domain/HookResult.ts"
import { Labels } from "../domain/labels.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import { logEvent } from "../observability/logEvent.ts"

/** A pre_deploy or post_deploy step failed: the update stops there. */
export class HookFailed extends Data.TaggedError("HookFailed")<{
  readonly reason: string
  readonly result: HookResult
}> {}

export const hasHooks = (service: DesiredService, phase: HookPhase): boolean =>
  (service.hooks?.[phase]?.length ?? 0) > 0

const seconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`)

export interface HookContext {
  readonly fleet: string
  readonly revision: string
  readonly service: DesiredService
  /** The container `exec` steps run in: the old one before, the new one after; none on a first deployment. */
  readonly containerId: string | undefined
  /** Every step's result is appended here, failed ones included. */
  readonly results: Array<HookResult>
}

/**
 * Runs one phase's steps in order. pre_deploy and post_deploy stop at the first step
 * that fails (HookFailed); on_failure runs every step and never fails, since it runs
 * for a failure that is already being reported. Nothing runs in a shell on this host:
 * commands go to the engine as argument lists. `from` skips the steps a resumed rollout
 * already ran; `afterStep` records progress (it gets the count of steps done) before the
 * next step starts.
 */
export const runHooks = Effect.fnUntraced(function* (
  ctx: HookContext,
  phase: HookPhase,
  from = 0,
  afterStep: (done: number) => Effect.Effect<void, never, ContainerEngine> = () => Effect.void,
) {
  const steps = ctx.service.hooks?.[phase] ?? []
  for (const [index, step] of steps.entries()) {
    if (index < from) continue
    if (index > from) yield* afterStep(index)
    const result = yield* runStep(ctx, phase, index, step)
    ctx.results.push(result)
    yield* logEvent(result.ok ? "Info" : "Warn", result.ok ? "hook step done" : "hook step failed", {
      service: ctx.service.name,
      hook: hookStepName(result),
      exitCode: result.exitCode ?? null,
      durationMs: result.durationMs,
      ...(result.error === undefined ? {} : { error: result.error }),
      ...(result.outputTail === undefined ? {} : { outputTail: result.outputTail }),
    })
    if (!result.ok && phase !== "on_failure")
      return yield* new HookFailed({ reason: hookFailure(result), result })
  }
})

const runStep = Effect.fnUntraced(function* (
  ctx: HookContext,
  phase: HookPhase,
  index: number,
  step: HookStep,
): Effect.fn.Return<HookResult, never, ContainerEngine> {
  const engine = yield* ContainerEngine
  const started = yield* Clock.currentTimeMillis
  const base = { phase, step: index, kind: step.kind } as const
  if (step.kind === "exec" && ctx.containerId === undefined) {
    return {
      ...base,
      ok: true,
      durationMs: 0,
      skipped: true,
      error: "skipped: no running container to exec in",
    } satisfies HookResult
  }
  const run =
    step.kind === "exec"
      ? engine.exec(ctx.containerId ?? "", step.command, {
          timeoutMs: step.timeoutMs,
          ...(step.user === undefined ? {} : { user: step.user }),
        })
      : engine.runOnce(
          // A random part: a hook container left by a crash must not block the next run.
          `${ctx.service.containerName}--${phase}-${index}-${randomBytes(3).toString("hex")}`,
          step.spec,
          {
            [Labels.fleet]: ctx.fleet,
            [Labels.service]: ctx.service.name,
            [Labels.hook]: phase,
            [Labels.revision]: ctx.revision,
          },
          step.timeoutMs,
        )
  const outcome = yield* Effect.result(run)
  const durationMs = (yield* Clock.currentTimeMillis) - started
  if (outcome._tag === "Failure")
    return { ...base, ok: false, durationMs, error: outcome.failure.message } satisfies HookResult
  const out = outcome.success
  const outputTail = out.output === "" ? {} : { outputTail: out.output }
  if (out.timedOut)
    return {
      ...base,
      ok: false,
      durationMs,
      error: `timed out after ${seconds(step.timeoutMs)}${step.kind === "exec" ? " (the exec'd process is left running: the Engine API cannot stop it)" : ""}`,
      ...outputTail,
    } satisfies HookResult
  return {
    ...base,
    ok: out.exitCode === 0,
    durationMs,
    ...(out.exitCode === undefined ? { error: "no exit code reported" } : { exitCode: out.exitCode }),
    ...outputTail,
  } satisfies HookResult
})
