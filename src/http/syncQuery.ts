import { durationHint, parseDuration } from "../manifest/compose/duration.ts"

/** How long `POST /sync?wait=true` waits for its pass unless `timeout` says otherwise. */
export const defaultSyncWaitMs = 5 * 60_000
/** The longest `timeout` accepted: a pass that takes longer is better followed on /status. */
export const maxSyncWaitMs = 30 * 60_000

export interface SyncQuery {
  readonly wait: boolean
  readonly timeoutMs: number
}

/**
 * `?wait=true|false` and `?timeout=DURATION` (1s to 30m, default 5m; only with wait),
 * or why they are not understood (answered 400).
 */
export const parseSyncQuery = (query: URLSearchParams): SyncQuery | string => {
  const wait = query.get("wait")
  if (wait !== null && wait !== "true" && wait !== "false" && wait !== "")
    return `wait must be true or false, not "${wait}"`
  const waiting = wait === "true" || wait === ""
  const timeout = query.get("timeout")
  if (timeout === null) return { wait: waiting, timeoutMs: defaultSyncWaitMs }
  const nanos = parseDuration(timeout)
  if (nanos === undefined) return `timeout: expected ${durationHint}, not "${timeout}"`
  const ms = nanos / 1e6
  if (ms < 1000 || ms > maxSyncWaitMs) return "timeout must be from 1s to 30m"
  return { wait: waiting, timeoutMs: ms }
}
