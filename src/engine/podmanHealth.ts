import type Docker from "dockerode"
import { dialGet } from "./dial.ts"
import type { InspectedContainer } from "./toObserved.ts"

/** Docker's default healthcheck interval, used when the spec gives none. */
const defaultIntervalMs = 30_000

/**
 * Podman runs healthchecks from systemd timers; without systemd (CI, containers,
 * many small hosts) a container's health stays "starting" for ever. fleetd stands in
 * for the timer: when a health-gated caller inspects a running Podman container whose
 * check is due, one check is run first. Due means Docker's rhythm: an interval after
 * the start, then an interval after the previous check.
 */
export const podmanCheckDue = (
  c: InspectedContainer,
  lastRunMs: number | undefined,
  nowMs: number,
): boolean => {
  const test = c.Config?.Healthcheck?.Test
  if (c.State.Running !== true || test === undefined || test === null || test.length === 0) return false
  if (test[0] === "NONE") return false
  const intervalNs = c.Config?.Healthcheck?.Interval
  const intervalMs = intervalNs !== undefined && intervalNs > 0 ? intervalNs / 1e6 : defaultIntervalMs
  const startedMs = Date.parse(c.State.StartedAt ?? "")
  const since = Math.max(Number.isNaN(startedMs) ? 0 : startedMs, lastRunMs ?? 0)
  return nowMs - since >= intervalMs
}

/**
 * Runs one check through the libpod API (`GET /v4.0.0/libpod/containers/{id}/healthcheck`),
 * which records the result in the container's health state. `raw` must be a client
 * without an API version prefix: this path is not under /v1.x.
 */
export const runPodmanHealthcheck = (raw: Docker, id: string, signal: AbortSignal): Promise<unknown> =>
  dialGet(
    raw,
    {
      path: `/v4.0.0/libpod/containers/${encodeURIComponent(id)}/healthcheck`,
      statusCodes: {
        200: true,
        404: "no such container",
        409: "no healthcheck or not running",
        500: "server error",
      },
    },
    signal,
  )
