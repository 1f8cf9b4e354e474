import type { ContainerSpec } from "./ContainerSpec.ts"
import type { DesiredService } from "./DesiredState.ts"
import type { ObservedContainer } from "./ObservedState.ts"

/**
 * Compose's restart policy decides whether an exited container runs again: with "no",
 * or "on-failure" once it succeeded (or the engine gave up retrying), the engine leaves
 * it exited, and so does fleetd: the service is a job that has run.
 */
export const leavesExited = (spec: ContainerSpec): boolean =>
  spec.restart === "no" || spec.restart === "on-failure"

/** Exit codes of a container stopped from outside (`docker stop`, `kill`: SIGINT, SIGKILL, SIGTERM). */
const stoppedCodes = new Set([130, 137, 143])

/** Exited because something stopped or killed it, not on its own: it is meant to run. */
export const stoppedFromOutside = (c: ObservedContainer): boolean =>
  c.state === "exited" && c.exitCode !== undefined && stoppedCodes.has(c.exitCode)

/**
 * A job that has run: its container exited on its own and its restart policy leaves it
 * exited. fleetd leaves it so until its spec changes instead of starting it again every
 * pass. Its exit code, or undefined when the container is not such a job: it was
 * stopped from outside (started again, as drift) or the engine did not say its code.
 */
export const finishedJob = (service: DesiredService, c: ObservedContainer): number | undefined => {
  if (c.state !== "exited" || c.exitCode === undefined || stoppedCodes.has(c.exitCode)) return undefined
  return leavesExited(service.spec) ? c.exitCode : undefined
}
