import { deliveryId } from "./deliveryId.ts"
import { giteaPackageEvent } from "./giteaPackageEvent.ts"
import { githubStyleEvent } from "./githubStyleEvent.ts"
import { checkHmacSha256 } from "./hmacSignature.ts"
import { shown } from "./trackedRefs.ts"
import { Verdict } from "./Verdict.ts"
import type { WebhookProvider } from "./WebhookProvider.ts"
import { firstHeader, type WebhookRequest } from "./WebhookRequest.ts"

/**
 * Signature headers in order of preference. Gitea and Forgejo send several at once
 * (all over the same body with the same secret); the first one present decides, and
 * a bad one is not rescued by another.
 */
const signatureHeaders = [
  { name: "X-Forgejo-Signature", format: "bare" },
  { name: "X-Gitea-Signature", format: "bare" },
  { name: "X-Hub-Signature-256", format: "prefixed" },
] as const

const deliveryHeaders = ["x-forgejo-delivery", "x-gitea-delivery"]

const signature = (request: WebhookRequest) => {
  for (const candidate of signatureHeaders) {
    const value = request.headers[candidate.name.toLowerCase()]
    if (value !== undefined && value !== "") return { ...candidate, value }
  }
  return undefined
}

/** Gitea and Forgejo: hex HMAC-SHA256 of the body; push, merged pull_request, container package pushes. */
export const gitea: WebhookProvider = {
  deliveryId: (headers) => deliveryId(headers, deliveryHeaders),
  verify: (request, secret, tracked) => {
    const sig = signature(request)
    if (sig === undefined)
      return Verdict.unauthorized("missing X-Gitea-Signature or X-Forgejo-Signature header")
    const invalid = checkHmacSha256(request.body, secret, sig.name, sig.value, sig.format)
    if (invalid !== undefined) return Verdict.unauthorized(invalid)
    const id = deliveryId(request.headers, deliveryHeaders)
    const event = firstHeader(request, ["x-forgejo-event", "x-gitea-event"])?.value
    switch (event) {
      case undefined:
        return Verdict.badRequest("missing X-Gitea-Event or X-Forgejo-Event header")
      case "push":
      case "pull_request":
        return githubStyleEvent("Gitea", event, request, tracked, id)
      case "package":
        return giteaPackageEvent(request, id)
      default:
        return Verdict.ignored(`event ${shown(event)} is not handled`)
    }
  },
}
