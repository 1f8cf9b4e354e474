import type { Verdict } from "../triggers/webhooks/Verdict.ts"

/**
 * The fixed vocabulary of `fleetd_webhook_requests_total{provider,outcome}`, one per
 * way a webhook request can end (label values must stay bounded):
 *
 * - `accepted`       202  authenticated, moves the tracked ref: one pass requested
 * - `ignored`        200  authenticated, nothing tracked changed (other branch, tag,
 *                         unhandled event, ping)
 * - `duplicate`      200  a delivery id seen recently: no second pass
 * - `unauthorized`   401  missing or wrong signature or token
 * - `not_configured` 403  the provider has no secret: closed
 * - `too_large`      413  body over the cap (declared or streamed)
 * - `bad_request`    400  authenticated but malformed (non-JSON, wrong types, no event)
 * - `timeout`        408  the body did not arrive in time
 * - `draining`       503  the daemon is shutting down
 */
export type WebhookOutcome =
  | "accepted"
  | "ignored"
  | "duplicate"
  | "unauthorized"
  | "not_configured"
  | "too_large"
  | "bad_request"
  | "timeout"
  | "draining"

/** How one request is answered: the JSON `{ status, reason }`, its code and its metric outcome. */
export interface WebhookAnswer {
  readonly outcome: WebhookOutcome
  readonly httpStatus: number
  /** The `status` field of the JSON body (`pong` for pings, else the outcome). */
  readonly status: string
  readonly reason: string
  /** Close the connection after answering: the rest of the body is never read. */
  readonly close: boolean
}

const answer = (
  outcome: WebhookOutcome,
  httpStatus: number,
  reason: string,
  close = false,
): WebhookAnswer => ({
  outcome,
  httpStatus,
  status: outcome,
  reason,
  close,
})

export const WebhookAnswer = {
  draining: answer("draining", 503, "fleetd is shutting down; retry later"),
  notConfigured: (provider: string) =>
    answer("not_configured", 403, `webhook provider ${provider} is not configured (no secret set)`),
  tooLarge: (limit: number) => answer("too_large", 413, `body is larger than ${limit} bytes`, true),
  timeout: answer("timeout", 408, "body not received in time", true),
  readFailed: answer("bad_request", 400, "body could not be read", true),
  duplicate: answer("duplicate", 200, "duplicate delivery"),
  /** The answer for a provider's verdict (Accepted before de-duplication). */
  fromVerdict: (verdict: Verdict): WebhookAnswer => {
    switch (verdict._tag) {
      case "Accepted":
        return answer("accepted", 202, "pass requested")
      case "ImagesPushed":
        return answer("accepted", 202, "digest check requested")
      case "Ignored":
        return answer("ignored", 200, verdict.reason)
      case "Pong":
        return { ...answer("ignored", 200, "ping"), status: "pong" }
      case "Unauthorized":
        return answer("unauthorized", 401, verdict.reason)
      case "BadRequest":
        return answer("bad_request", 400, verdict.reason)
    }
  },
} as const
