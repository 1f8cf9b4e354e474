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
  /** One source of the daemon (`POST /sync/<source>`); unset: every source. */
  readonly source?: string
}

interface SyncAnswer {
  readonly status: string
  readonly reason?: string
  readonly source?: string
  readonly id?: number
  readonly pass?: PassStatus
  /** With several sources: each one's answer. */
  readonly sources?: ReadonlyArray<SyncAnswer>
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
  const endpoint = `${args.url.replace(/\/+$/, "")}/sync${args.source === undefined ? "" : `/${encodeURIComponent(args.source)}`}`
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
  const each = body.sources ?? [body]
  const named = (a: SyncAnswer) => (body.sources === undefined ? "" : `source ${a.source}: `)
  if (code === 202) {
    if (!args.json)
      for (const a of each) yield* output.out(`${named(a)}pass ${a.id} requested; see fleetd status`)
    return 0
  }
  const passes = each.flatMap((a) => (a.pass === undefined ? [] : [{ answer: a, pass: a.pass }]))
  if (code === 200 && passes.length === each.length) {
    if (!args.json)
      for (const { answer, pass } of passes)
        yield* output.out(
          body.sources === undefined ? renderSync(pass) : `${named(answer)}${renderSync(pass)}`,
        )
    return passes.every((p) => p.pass.result === "success") ? 0 : 1
  }
  if (!args.json)
    yield* output.err(`fleetd sync: ${endpoint} answered ${code}: ${body.reason ?? body.status}`)
  return 1
})
