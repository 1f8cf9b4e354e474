import type { BuildResult } from "../domain/BuildSpec.ts"
import type { HookResult } from "../domain/HookResult.ts"

/**
 * What one pass did, per service. `fleetd apply --json` prints it as it is (its shape
 * is documented in docs/json-output.md), so fields are only ever added.
 */
export type ServiceOutcome =
  | "created"
  | "replaced"
  | "started"
  | "adopted"
  | "removed"
  | "unchanged"
  /** A job (restart "no" or "on-failure") that ran and exited with code 0: left as it is. */
  | "completed"
  | "failed"
  | "blocked"
  /** The new container failed its health gate; the old one serves again. */
  | "rolled-back"
  /** A spec rolled back earlier is not retried until a new revision or image (daemon only). */
  | "held"
  /** `x-fleetd.suspend`: left exactly as it is; `reason` says why. */
  | "suspended"

export interface ServiceResult {
  readonly service: string
  readonly outcome: ServiceOutcome
  /** Why it changed ("spec changed", "orphan", ...) or why it failed. */
  readonly reason?: string
  /** Field paths that changed, for replacements. */
  readonly changes?: ReadonlyArray<string>
  readonly container?: string
  /** For a job that has run (`completed`, or `failed` with its code): how its container exited. */
  readonly exitCode?: number
  /** For `rolled-back` and gate failures: the last lines the failed container wrote. */
  readonly logs?: string
  /** The hook steps that ran for this change (x-fleetd.hooks), in order. */
  readonly hooks?: ReadonlyArray<HookResult>
  /** The build of the service's image this pass (`build:`): its output's tail, its error. */
  readonly build?: BuildResult
  /**
   * For `created`: the pass did not wait for its health (a first creation: firstCreation.ts);
   * `fleetd apply --wait` waits for it, the daemon reports it `Progressing` until known.
   */
  readonly progressing?: true
  /** For `replaced`, when the image changed: the image id (sha256 digest) it ran and runs now. */
  readonly image?: { readonly from: string; readonly to: string }
}

export interface ResourceResult {
  readonly kind: "image" | "network" | "volume" | "secret" | "config"
  readonly name: string
  /** `kept`: a volume that left the manifest, kept without prune_volumes; `blocked`: fleetd will not change it on its own. */
  readonly outcome: "pulled" | "built" | "ensured" | "recreated" | "removed" | "kept" | "failed" | "blocked"
  readonly reason?: string
}

export interface ChangeSet {
  readonly fleet: string
  readonly revision: string
  readonly services: ReadonlyArray<ServiceResult>
  readonly resources: ReadonlyArray<ResourceResult>
}

/** Outcomes that leave a service short of what the manifest asks for. */
export const isFailure = (outcome: ServiceOutcome): boolean =>
  outcome === "failed" || outcome === "blocked" || outcome === "rolled-back" || outcome === "held"

export const hasFailures = (changes: ChangeSet): boolean =>
  changes.services.some((s) => isFailure(s.outcome)) ||
  changes.resources.some((r) => r.outcome === "failed" || r.outcome === "blocked")
