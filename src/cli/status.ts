import { Effect } from "effect"
import type { DaemonStatus } from "../domain/FleetStatus.ts"
import { noAnswer } from "./noAnswer.ts"
import { Output } from "./Output.ts"
import { renderDaemonStatus } from "./renderStatus.ts"
import { uiTokenHeaders } from "./uiTokenHeaders.ts"

/**
 * `fleetd status`: asks a running daemon for its /status and renders it; exit 0 only when
 * every source is Synced. A daemon started with FLEETD_UI_TOKEN wants it: it is sent from
 * FLEETD_UI_TOKEN (or `_FILE`) when set, and never printed.
 */
export const status = Effect.fn("cli.status")(function* (url: string, json: boolean) {
  const output = yield* Output
  const endpoint = `${url.replace(/\/+$/, "")}/status`
  const headers = yield* Effect.result(uiTokenHeaders)
  if (headers._tag === "Failure") {
    yield* output.err(`fleetd status: ${headers.failure.message}`)
    return 2
  }
  const answer = yield* Effect.tryPromise(async () => {
    const response = await fetch(endpoint, { headers: headers.success, signal: AbortSignal.timeout(5000) })
    if (response.status === 401) throw new Error("HTTP 401: set FLEETD_UI_TOKEN to the daemon's UI token")
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    return (await response.json()) as DaemonStatus
  }).pipe(Effect.result)
  if (answer._tag === "Failure") {
    yield* output.err(noAnswer("status", endpoint, answer.failure))
    return 1
  }
  yield* output.out(
    json ? JSON.stringify(answer.success, null, 2) : renderDaemonStatus(answer.success, Date.now()),
  )
  return answer.success.phase === "Synced" ? 0 : 1
})
