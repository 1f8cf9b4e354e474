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
  | "failed"
  | "blocked"

export interface ServiceResult {
  readonly service: string
  readonly outcome: ServiceOutcome
  /** Why it changed ("spec changed", "orphan", ...) or why it failed. */
  readonly reason?: string
  /** Field paths that changed, for replacements. */
  readonly changes?: ReadonlyArray<string>
  readonly container?: string
}

export interface ResourceResult {
  readonly kind: "image" | "network" | "volume"
  readonly name: string
  readonly outcome: "pulled" | "ensured" | "failed"
  readonly reason?: string
}

export interface ChangeSet {
  readonly fleet: string
  readonly revision: string
  readonly services: ReadonlyArray<ServiceResult>
  readonly resources: ReadonlyArray<ResourceResult>
}

export const hasFailures = (changes: ChangeSet): boolean =>
  changes.services.some((s) => s.outcome === "failed" || s.outcome === "blocked") ||
  changes.resources.some((r) => r.outcome === "failed")
