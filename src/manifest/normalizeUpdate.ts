import { defaultUpdateSettings, type UpdateSettings } from "../domain/DesiredState.ts"
import { parseDuration } from "./compose/duration.ts"
import type { Manifest, Service } from "./Manifest.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"

/** A health gate longer than this would hold a pass (and every later one) for too long. */
const maxGateMs = 60 * 60_000

type UpdateBlock = NonNullable<NonNullable<Service["x-fleetd"]>["update"]>

/**
 * The top-level `x-fleetd.update`, checked once: the fields it sets, which every
 * service takes unless its own `x-fleetd.update` sets them. Its issues point at the
 * top-level block, so a bad fleet-wide duration is reported once, not per service.
 */
export interface FleetUpdateDefaults {
  readonly settings: Partial<UpdateSettings>
  readonly issues: ReadonlyArray<PathIssue>
}

export const normalizeFleetUpdate = (manifest: Manifest): FleetUpdateDefaults => {
  const block = manifest["x-fleetd"]?.update
  if (block === undefined) return { settings: {}, issues: [] }
  const issues: Array<PathIssue> = []
  const durations = checkDurations(block, ["x-fleetd", "update"], issues)
  return {
    settings: {
      // start-first is already every service's default where it can work; a fleet-wide
      // start-first must not override the stop-first that fixed host ports, host
      // networking or a fixed name need (the service says so itself when it is safe).
      ...(block.order === "stop-first" ? { order: block.order } : {}),
      ...durations,
      ...(block.rollback === undefined ? {} : { rollback: block.rollback }),
    },
    issues,
  }
}

/**
 * `x-fleetd.update` → UpdateSettings, with positioned issues: each field is the
 * service's own, else the fleet's default, else fleetd's. An explicit
 * `order: start-first` on a service with fixed host ports is an error rather than a
 * silent stop-first: the two containers cannot both bind the port, and a user who
 * asked for zero-downtime updates must learn they will not get them.
 */
export const normalizeUpdate = (
  name: string,
  service: Service,
  fixedHostPorts: boolean,
  fleet: Partial<UpdateSettings> = {},
): { readonly update: UpdateSettings; readonly issues: ReadonlyArray<PathIssue> } => {
  const block = service["x-fleetd"]?.update
  const at = ["services", name, "x-fleetd", "update"]
  const issues: Array<PathIssue> = []
  const inherited: UpdateSettings = { ...defaultUpdateSettings, ...fleet }
  if (block === undefined) return { update: inherited, issues }
  if (block.order === "start-first" && fixedHostPorts)
    issues.push(
      pathIssue(
        [...at, "order"],
        "start-first cannot be used with fixed host ports: the new container could not bind the ports the old one holds",
        { hint: "use order: stop-first, or publish without a fixed host port" },
      ),
    )
  const order = block.order ?? inherited.order
  return {
    update: {
      ...(order === undefined ? {} : { order }),
      healthTimeoutMs: inherited.healthTimeoutMs,
      minReadyMs: inherited.minReadyMs,
      ...checkDurations(block, at, issues),
      rollback: block.rollback ?? inherited.rollback,
    },
    issues,
  }
}

/** The durations a block sets, in ms; out-of-range values add issues at `at`. */
const checkDurations = (
  block: UpdateBlock,
  at: ReadonlyArray<PropertyKey>,
  issues: Array<PathIssue>,
): Partial<Pick<UpdateSettings, "healthTimeoutMs" | "minReadyMs">> => {
  const ms = (field: "health_timeout" | "min_ready") => {
    const text = block[field]
    if (text === undefined) return undefined
    const value = Math.round((parseDuration(text) ?? 0) / 1e6)
    if (value > maxGateMs) issues.push(pathIssue([...at, field], `${field} "${text}" is over the 1h limit`))
    if (field === "health_timeout" && value <= 0)
      issues.push(pathIssue([...at, field], "health_timeout must be longer than 0s"))
    return value
  }
  const healthTimeoutMs = ms("health_timeout")
  const minReadyMs = ms("min_ready")
  return {
    ...(healthTimeoutMs === undefined ? {} : { healthTimeoutMs }),
    ...(minReadyMs === undefined ? {} : { minReadyMs }),
  }
}
