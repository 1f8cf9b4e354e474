import type { Redacted } from "effect"
import type { TrackedRefs } from "./trackedRefs.ts"
import type { Verdict } from "./Verdict.ts"
import type { WebhookRequest } from "./WebhookRequest.ts"

/** One forge's webhook dialect: pure functions, no I/O. */
export interface WebhookProvider {
  /** The delivery id the forge sends (for de-duplication and logs), if any. */
  readonly deliveryId: (headers: WebhookRequest["headers"]) => string | undefined
  /** Authenticates the delivery (always first), then decides what it means for the tracked refs. */
  readonly verify: (
    request: WebhookRequest,
    secret: Redacted.Redacted<string>,
    tracked: TrackedRefs,
  ) => Verdict
}
