import { Effect } from "effect"
import type { TargetRequest } from "./targets/NotifyTarget.ts"

/** A target that has not answered within this long counts as failed (and is retried). */
const timeoutMillis = 10_000

/**
 * Why a request failed, without the URL (it holds tokens): the HTTP status, or the
 * system error's code (ECONNREFUSED, ENOTFOUND ...), or a timeout.
 */
const describe = (e: unknown) => {
  if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError"))
    return `no answer within ${timeoutMillis / 1000} s`
  const cause = e instanceof Error ? (e.cause as { code?: unknown } | undefined) : undefined
  return typeof cause?.code === "string" ? `connection failed: ${cause.code}` : "connection failed"
}

/** Sends one request with Node's fetch: fails with a message safe to log and show. */
export const sendRequest = (request: TargetRequest): Effect.Effect<void, string> =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMillis),
      })
      // Read and drop the answer, so the connection is reused or closed.
      await response.arrayBuffer().catch(() => undefined)
      return response.status
    },
    catch: describe,
  }).pipe(
    Effect.flatMap((status) =>
      status >= 200 && status < 300 ? Effect.void : Effect.fail(`the target answered HTTP ${status}`),
    ),
  )
