import { defaultUpdateSettings, type UpdateSettings } from "../domain/DesiredState.ts"
import { parseDuration } from "./compose/duration.ts"
import type { Service } from "./Manifest.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"

/** A health gate longer than this would hold a pass (and every later one) for too long. */
const maxGateMs = 60 * 60_000

/**
 * `x-fleetd.update` → UpdateSettings, with positioned issues. An explicit
 * `order: start-first` on a service with fixed host ports is an error rather than a
 * silent stop-first: the two containers cannot both bind the port, and a user who
 * asked for zero-downtime updates must learn they will not get them.
 */
export const normalizeUpdate = (
  name: string,
  service: Service,
  fixedHostPorts: boolean,
): { readonly update: UpdateSettings; readonly issues: ReadonlyArray<PathIssue> } => {
  const block = service["x-fleetd"]?.update
  const at = ["services", name, "x-fleetd", "update"]
  const issues: Array<PathIssue> = []
  if (block === undefined) return { update: defaultUpdateSettings, issues }
  if (block.order === "start-first" && fixedHostPorts)
    issues.push(
      pathIssue(
        [...at, "order"],
        "start-first cannot be used with fixed host ports: the new container could not bind the ports the old one holds",
        { hint: "use order: stop-first, or publish without a fixed host port" },
      ),
    )
  const ms = (field: "health_timeout" | "min_ready", fallback: number) => {
    const text = block[field]
    if (text === undefined) return fallback
    const value = Math.round((parseDuration(text) ?? 0) / 1e6)
    if (value > maxGateMs) issues.push(pathIssue([...at, field], `${field} "${text}" is over the 1h limit`))
    if (field === "health_timeout" && value <= 0)
      issues.push(pathIssue([...at, field], "health_timeout must be longer than 0s"))
    return value
  }
  return {
    update: {
      ...(block.order === undefined ? {} : { order: block.order }),
      healthTimeoutMs: ms("health_timeout", defaultUpdateSettings.healthTimeoutMs),
      minReadyMs: ms("min_ready", defaultUpdateSettings.minReadyMs),
      rollback: block.rollback ?? defaultUpdateSettings.rollback,
    },
    issues,
  }
}
