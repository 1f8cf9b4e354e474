/**
 * The words fleetd reports a fleet's state in: `/status`, `fleetd status`, the log and
 * the metrics' label values all use these, so they live in the domain, not in any one
 * of those outputs.
 */

/** How a service stands against its desired spec. */
export type SyncStatus = "Synced" | "OutOfSync" | "Failed" | "Suspended" | "RolledBack"
/** `Completed`: a job (restart "no" or "on-failure") that ran and exited with code 0. */
export type HealthStatus = "Healthy" | "Unhealthy" | "Starting" | "Missing" | "Completed"
/** How a pass ended. */
export type PassResult = "success" | "partial" | "stalled" | "error" | "skipped"

export const syncStates: ReadonlyArray<SyncStatus> = [
  "Synced",
  "OutOfSync",
  "Failed",
  "Suspended",
  "RolledBack",
]
export const healthStates: ReadonlyArray<HealthStatus> = [
  "Healthy",
  "Unhealthy",
  "Starting",
  "Missing",
  "Completed",
]
