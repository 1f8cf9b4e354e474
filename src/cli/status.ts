import { Effect } from "effect"
import type { DaemonStatus } from "../domain/FleetStatus.ts"
import { noAnswer } from "./noAnswer.ts"
import { Output } from "./Output.ts"
import { renderDaemonStatus } from "./renderStatus.ts"

/** `fleetd status`: asks a running daemon for its /status and renders it; exit 0 only when every source is Synced. */
export const status = Effect.fn("cli.status")(function* (url: string, json: boolean) {
  const output = yield* Output
  const endpoint = `${url.replace(/\/+$/, "")}/status`
  const answer = yield* Effect.tryPromise(async () => {
    const response = await fetch(endpoint, { signal: AbortSignal.timeout(5000) })
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
