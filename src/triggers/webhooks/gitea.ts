import { Schema } from "effect"
import { deliveryId } from "./deliveryId.ts"
import { checkHmacSha256 } from "./hmacSignature.ts"
import { decodeJsonBody } from "./jsonBody.ts"
import { branchRef, isZeroSha, shown, untrackedReason } from "./trackedRefs.ts"
import { Verdict } from "./Verdict.ts"
import type { WebhookProvider } from "./WebhookProvider.ts"
import { firstHeader, type WebhookRequest } from "./WebhookRequest.ts"

const Push = Schema.Struct({
  ref: Schema.String,
  after: Schema.optionalKey(Schema.String),
})

const PullRequest = Schema.Struct({
  action: Schema.String,
  pull_request: Schema.Struct({
    merged: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
    base: Schema.Struct({ ref: Schema.String }),
  }),
})

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

/** Gitea and Forgejo: hex HMAC-SHA256 of the body; push and merged pull_request. */
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
      case "push": {
        const push = decodeJsonBody(Push, request.body, "Gitea push")
        if (push._tag === "Invalid") return Verdict.badRequest(push.reason)
        const { ref, after } = push.value
        if (!tracked.includes(ref)) return Verdict.ignored(untrackedReason(ref))
        if (isZeroSha(after)) return Verdict.ignored(`${shown(ref)} was deleted`)
        return Verdict.accepted(ref, id)
      }
      case "pull_request": {
        const pr = decodeJsonBody(PullRequest, request.body, "Gitea pull_request")
        if (pr._tag === "Invalid") return Verdict.badRequest(pr.reason)
        const { action, pull_request } = pr.value
        if (action !== "closed" || pull_request.merged !== true)
          return Verdict.ignored(`pull_request ${shown(action)} is not a merge`)
        const ref = branchRef(pull_request.base.ref)
        return tracked.includes(ref) ? Verdict.accepted(ref, id) : Verdict.ignored(untrackedReason(ref))
      }
      default:
        return Verdict.ignored(`event ${shown(event)} is not handled`)
    }
  },
}
