import { Schema } from "effect"
import { deliveryId } from "./deliveryId.ts"
import { checkHmacSha256 } from "./hmacSignature.ts"
import { decodeJsonBody } from "./jsonBody.ts"
import { branchRef, isZeroSha, shown, untrackedReason } from "./trackedRefs.ts"
import { Verdict } from "./Verdict.ts"
import type { WebhookProvider } from "./WebhookProvider.ts"
import { header } from "./WebhookRequest.ts"

const Push = Schema.Struct({
  ref: Schema.String,
  deleted: Schema.optionalKey(Schema.Boolean),
  after: Schema.optionalKey(Schema.String),
})

const PullRequest = Schema.Struct({
  action: Schema.String,
  pull_request: Schema.Struct({
    merged: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
    base: Schema.Struct({ ref: Schema.String }),
  }),
})

const deliveryHeaders = ["x-github-delivery"]

/** GitHub: `X-Hub-Signature-256: sha256=<hex>`; push, merged pull_request, ping. */
export const github: WebhookProvider = {
  deliveryId: (headers) => deliveryId(headers, deliveryHeaders),
  verify: (request, secret, tracked) => {
    const invalid = checkHmacSha256(
      request.body,
      secret,
      "X-Hub-Signature-256",
      header(request, "x-hub-signature-256"),
      "prefixed",
    )
    if (invalid !== undefined) return Verdict.unauthorized(invalid)
    const id = deliveryId(request.headers, deliveryHeaders)
    const event = header(request, "x-github-event")
    switch (event) {
      case undefined:
        return Verdict.badRequest("missing X-GitHub-Event header")
      case "ping":
        return Verdict.pong
      case "push": {
        const push = decodeJsonBody(Push, request.body, "GitHub push")
        if (push._tag === "Invalid") return Verdict.badRequest(push.reason)
        const { ref, deleted, after } = push.value
        if (!tracked.includes(ref)) return Verdict.ignored(untrackedReason(ref))
        if (deleted === true || isZeroSha(after)) return Verdict.ignored(`${shown(ref)} was deleted`)
        return Verdict.accepted(ref, id)
      }
      case "pull_request": {
        const pr = decodeJsonBody(PullRequest, request.body, "GitHub pull_request")
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
