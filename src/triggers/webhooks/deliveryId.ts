import { firstHeader, type WebhookRequest } from "./WebhookRequest.ts"

// Delivery ids are UUIDs or similar tokens. Anything else is dropped rather than kept
// in memory or written to a log line: before authentication the header is anyone's.
const plausible = /^[A-Za-z0-9._:{}-]{1,128}$/

/** The delivery id under the first of `names` present, when it looks like one. */
export const deliveryId = (
  headers: WebhookRequest["headers"],
  names: ReadonlyArray<string>,
): string | undefined => {
  const found = firstHeader({ headers }, names)
  return found !== undefined && plausible.test(found.value) ? found.value : undefined
}
