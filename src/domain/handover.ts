import { Option, Schema } from "effect"

/**
 * Self-update (docs/self-update.md). The service that runs fleetd itself cannot be
 * replaced by the process inside it: its host ports cannot be published twice, and a
 * process that removes its own container dies half-way. So a *standby* (the new image,
 * without host ports) is started beside it, checked, and then supervises the takeover.
 * As for rollouts (trial.ts), the names of the containers are the record of how far a
 * handover got, so a process killed at any step leaves a state the next one reads:
 *
 * - `<name>--standby` running, the old one still `<name>`: not committed; the old
 *   fleetd (or whoever plans next) removes the standby and may try again.
 * - the old one renamed `<name>--prev`: committed; the standby stops it, renames the
 *   prepared `<name>--next` to `<name>`, starts it and waits until it is ready.
 * - the standby renamed `<name>--rolledback`: the new one failed; the standby puts the
 *   old one back and stops; the old fleetd reports RolledBack with the standby's log.
 */
export const HandoverLabels = {
  /** `standby` (the supervisor) or `next` (the prepared container): never a service's container. */
  role: "fleetd.handover",
} as const

export const StandbySuffix = "--standby"
export const RolledBackSuffix = "--rolledback"

/** The variable that puts `fleetd run` in standby mode; its value is the HandoverPlan, as JSON. */
export const StandbyVariable = "FLEETD_STANDBY"

const Healthcheck = Schema.Struct({
  test: Schema.Array(Schema.String),
  intervalNs: Schema.optionalKey(Schema.Number),
  timeoutNs: Schema.optionalKey(Schema.Number),
  startPeriodNs: Schema.optionalKey(Schema.Number),
  startIntervalNs: Schema.optionalKey(Schema.Number),
  retries: Schema.optionalKey(Schema.Number),
})

/** What the standby needs to take over, given to it by the fleetd that starts it. */
export const HandoverPlan = Schema.Struct({
  fleet: Schema.String,
  service: Schema.String,
  /** The service's container name. */
  name: Schema.String,
  /** The old container's id. */
  old: Schema.String,
  /** The new spec's hash: the prepared container carries it. */
  specHash: Schema.String,
  revision: Schema.String,
  /** The gate of the new container: its x-fleetd.update, healthcheck and restart policy. */
  healthTimeoutMs: Schema.Number,
  minReadyMs: Schema.Number,
  graceSeconds: Schema.Number,
  restart: Schema.Literals(["no", "always", "on-failure", "unless-stopped"]),
  healthcheck: Schema.optionalKey(Healthcheck),
})
export type HandoverPlan = typeof HandoverPlan.Type

/** The HandoverPlan a standby was started with, or why it cannot be read (a usage error). */
export const parseHandoverPlan = (raw: string): HandoverPlan | string => {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    return `${StandbyVariable} is not valid JSON`
  }
  const decoded = Schema.decodeUnknownOption(HandoverPlan)(json)
  return Option.isSome(decoded)
    ? decoded.value
    : `${StandbyVariable} is not a handover plan (fleetd sets it when it starts a standby; do not set it yourself)`
}
