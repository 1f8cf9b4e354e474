import { Effect, Redacted } from "effect"
import { secret } from "../config/loadDaemonSettings.ts"
import type { PassStatus } from "../domain/FleetStatus.ts"
import { noAnswer } from "./noAnswer.ts"
import { Output } from "./Output.ts"
import { renderSync } from "./renderSync.ts"

export interface SyncArgs {
  readonly url: string
  readonly wait: boolean
  readonly json: boolean
  /** How long the daemon waits for the pass (`--timeout`), as the API's query parameter. */
  readonly timeout: string | undefined
}

interface SyncAnswer {
  readonly status: string
  readonly reason?: string
  readonly id?: number
  readonly pass?: PassStatus
}

/**
 * `fleetd sync`: asks a running daemon for a pass now (`POST /sync`, docs/api.md), with
 * the token from FLEETD_API_TOKEN or FLEETD_API_TOKEN_FILE. With `--wait`, prints what
 * the pass did and exits 0 only when it converged (1 otherwise); without, prints the
 * pass id. No token is a usage error (2); the token is never printed.
 */
export const sync = Effect.fn("cli.sync")(function* (args: SyncArgs) {
  const output = yield* Output
  const token = yield* Effect.result(secret("FLEETD_API_TOKEN", process.env))
  if (token._tag === "Failure") {
    yield* output.err(`fleetd sync: ${token.failure.message}`)
    return 2
  }
  if (token.success === undefined) {
    yield* output.err(
      "fleetd sync: set FLEETD_API_TOKEN (or FLEETD_API_TOKEN_FILE) to the token the daemon was started with",
    )
    return 2
  }
  const query = new URLSearchParams()
  if (args.wait) query.set("wait", "true")
  if (args.wait && args.timeout !== undefined) query.set("timeout", args.timeout)
  const endpoint = `${args.url.replace(/\/+$/, "")}/sync`
  const bearer = Redacted.value(token.success)
  const answer = yield* Effect.tryPromise(async () => {
    const response = await fetch(`${endpoint}${query.size > 0 ? `?${query}` : ""}`, {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}` },
      // The daemon bounds the wait (at most 30 min); this only guards against a daemon that never answers.
      signal: AbortSignal.timeout(args.wait ? 31 * 60_000 : 10_000),
    })
    return { code: response.status, body: (await response.json()) as SyncAnswer }
  }).pipe(Effect.result)
  if (answer._tag === "Failure") {
    yield* output.err(noAnswer("sync", endpoint, answer.failure))
    return 1
  }
  const { code, body } = answer.success
  if (args.json) yield* output.out(JSON.stringify(body, null, 2))
  if (code === 202) {
    if (!args.json) yield* output.out(`pass ${body.id} requested; see fleetd status`)
    return 0
  }
  if (code === 200 && body.pass !== undefined) {
    if (!args.json) yield* output.out(renderSync(body.pass))
    return body.pass.result === "success" ? 0 : 1
  }
  if (!args.json)
    yield* output.err(`fleetd sync: ${endpoint} answered ${code}: ${body.reason ?? body.status}`)
  return 1
})
