import { Labels } from "./labels.ts"

/**
 * What a new container's `fleetd.trial` label records, set when it is created, so that a
 * pass after a crash (fleetd killed during the gate, the hooks or a rollback) knows what
 * the container was on trial against. Labels cannot change after create, so the rest of
 * the rollout's progress lives in names: `<name>--next` has not passed its gate yet,
 * `<name>--prev[-k]` is the container it replaced while post_deploy runs (labels.ts).
 */
export interface Trial {
  /** When the trial began (ISO 8601): for status and logs. */
  readonly since: string
  /** Id of the container it replaces; absent on a first deployment. */
  readonly replaces?: string
  /** Whether that container was running before the replacement: a rollback starts it again only then. */
  readonly wasRunning: boolean
}

export const trialLabel = (trial: Trial): Readonly<Record<string, string>> => ({
  [Labels.trial]: JSON.stringify(trial),
})

/**
 * The trial a container's labels record. A container created by a fleetd from before
 * trials (or whose label was damaged) gives a trial that assumes the old container was
 * running: a rollback then starts it again, the safe side for a service.
 */
export const parseTrial = (labels: Readonly<Record<string, string>>): Trial => {
  const raw = labels[Labels.trial]
  if (raw === undefined) return { since: "", wasRunning: true }
  try {
    const value: unknown = JSON.parse(raw)
    if (typeof value !== "object" || value === null) return { since: "", wasRunning: true }
    const v = value as Record<string, unknown>
    return {
      since: typeof v.since === "string" ? v.since : "",
      ...(typeof v.replaces === "string" ? { replaces: v.replaces } : {}),
      wasRunning: v.wasRunning !== false,
    }
  } catch {
    return { since: "", wasRunning: true }
  }
}
