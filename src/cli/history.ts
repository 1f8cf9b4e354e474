import { Effect } from "effect"
import { isHistoryEntry } from "../history/HistoryEntry.ts"
import { noAnswer } from "./noAnswer.ts"
import { Output } from "./Output.ts"
import { renderHistory } from "./renderHistory.ts"
import { uiTokenHeaders } from "./uiTokenHeaders.ts"

export interface HistoryArgs {
  readonly url: string
  readonly json: boolean
  readonly source?: string
  readonly fleet?: string
  readonly limit?: number
}

/** The daemon's answer: its passes, or why it refused (an unknown source, a bad limit). */
const readAnswer = (code: number, body: unknown) => {
  const record = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {}
  const passes = record["passes"]
  if (code === 200 && Array.isArray(passes)) return { passes: passes.filter(isHistoryEntry), body }
  const reason = typeof record["reason"] === "string" ? record["reason"] : `HTTP ${code}`
  return { refused: reason }
}

/**
 * `fleetd history`: asks a running daemon for its pass history (`GET /status/history`,
 * docs/history.md) and prints one line per pass, newest first, with its changes below;
 * with FLEETD_UI_TOKEN set it sends that token (docs/page.md).
 * Exit 0 when the daemon answered with passes, 1 when it did not or refused.
 */
export const history = Effect.fn("cli.history")(function* (args: HistoryArgs) {
  const output = yield* Output
  const query = new URLSearchParams()
  if (args.source !== undefined) query.set("source", args.source)
  if (args.fleet !== undefined) query.set("fleet", args.fleet)
  if (args.limit !== undefined) query.set("limit", String(args.limit))
  const endpoint = `${args.url.replace(/\/+$/, "")}/status/history`
  const headers = yield* Effect.result(uiTokenHeaders)
  if (headers._tag === "Failure") {
    yield* output.err(`fleetd history: ${headers.failure.message}`)
    return 2
  }
  const answer = yield* Effect.tryPromise(async () => {
    const response = await fetch(`${endpoint}${query.size > 0 ? `?${query}` : ""}`, {
      headers: headers.success,
      signal: AbortSignal.timeout(10_000),
    })
    return readAnswer(response.status, await response.json())
  }).pipe(Effect.result)
  if (answer._tag === "Failure") {
    yield* output.err(noAnswer("history", endpoint, answer.failure))
    return 1
  }
  const read = answer.success
  if ("refused" in read) {
    yield* output.err(`fleetd history: ${read.refused}`)
    return 1
  }
  yield* output.out(args.json ? JSON.stringify(read.body, null, 2) : renderHistory(read.passes))
  return 0
})
