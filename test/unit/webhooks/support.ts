import { Redacted } from "effect"
import type { WebhookProvider as ProviderName } from "../../../src/domain/webhookProviders.ts"
import { providers } from "../../../src/triggers/webhooks/providers.ts"
import type { Verdict } from "../../../src/triggers/webhooks/Verdict.ts"
import { type Delivery, SECRET } from "../../support/webhookFixtures.ts"

export const MAIN: ReadonlyArray<string> = ["refs/heads/main"]

/** Runs `provider`'s pure verification on a delivery, tracking `main`. */
export const verify = (
  provider: ProviderName,
  delivery: Delivery | { readonly headers: Record<string, string>; readonly body: string | Uint8Array },
  tracked: ReadonlyArray<string> = MAIN,
  secret = SECRET,
): Verdict =>
  providers[provider].verify(
    {
      headers: delivery.headers,
      body: typeof delivery.body === "string" ? new TextEncoder().encode(delivery.body) : delivery.body,
    },
    Redacted.make(secret),
    tracked,
  )
