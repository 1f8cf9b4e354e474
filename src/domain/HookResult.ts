import type { HookPhase } from "./DesiredState.ts"

/**
 * What one hook step did, for the log, the change set and `/status`
 * (`lastChange.hooks`, `lastError.hooks`). Fields are only ever added.
 */
export interface HookResult {
  readonly phase: HookPhase
  /** The step's index in its phase, from 0, as in `x-fleetd.hooks.<phase>[<step>]`. */
  readonly step: number
  readonly kind: "run" | "exec"
  /** False when it exited non-zero, timed out or could not run. */
  readonly ok: boolean
  /** Absent when it timed out, could not run or was skipped. */
  readonly exitCode?: number
  readonly durationMs: number
  /** The last lines of its stdout and stderr, at most 4 KiB. */
  readonly outputTail?: string
  /** Why it did not finish: "timed out after 60s", the engine's error, or why it was skipped. */
  readonly error?: string
  /** An `exec` step with no running container to run in (a first deployment's pre_deploy). */
  readonly skipped?: boolean
}

/** `x-fleetd.hooks.pre_deploy[0] (run)`: where to look in fleet.yaml. */
export const hookStepName = (r: Pick<HookResult, "phase" | "step" | "kind">): string =>
  `x-fleetd.hooks.${r.phase}[${r.step}] (${r.kind})`

/** One line saying why a step failed. */
export const hookFailure = (r: HookResult): string =>
  r.exitCode !== undefined
    ? `${hookStepName(r)} exited with code ${r.exitCode}`
    : `${hookStepName(r)} failed: ${r.error ?? "unknown error"}`
