import { Redacted, Schema } from "effect"
import { safeEqual } from "./constantTime.ts"
import { deliveryId } from "./deliveryId.ts"
import { decodeJsonBody } from "./jsonBody.ts"
import { repositoryNames } from "./repositoryNames.ts"
import { branchRef, isZeroSha, shown, verdictForRef } from "./trackedRefs.ts"
import { Verdict } from "./Verdict.ts"
import type { WebhookProvider } from "./WebhookProvider.ts"
import { header } from "./WebhookRequest.ts"

const Push = Schema.Struct({
  ref: Schema.String,
  after: Schema.optionalKey(Schema.NullOr(Schema.String)),
  checkout_sha: Schema.optionalKey(Schema.NullOr(Schema.String)),
})

const MergeRequest = Schema.Struct({
  object_attributes: Schema.Struct({
    action: Schema.optionalKey(Schema.NullOr(Schema.String)),
    state: Schema.optionalKey(Schema.NullOr(Schema.String)),
    target_branch: Schema.String,
  }),
})

// GitLab keeps X-Gitlab-Event-UUID across retries of one event; Idempotency-Key
// (GitLab 17.4+) is the same idea, used when the first is missing.
const deliveryHeaders = ["x-gitlab-event-uuid", "idempotency-key"]

/**
 * GitLab: `X-Gitlab-Token` carries the secret itself (no HMAC), compared in constant
 * time; Push Hook and merged Merge Request Hook, naming the payload's `project`. GitLab
 * disables a hook after repeated 4xx answers, so everything authenticated but
 * uninteresting is 2xx Ignored.
 */
export const gitlab: WebhookProvider = {
  deliveryId: (headers) => deliveryId(headers, deliveryHeaders),
  verify: (request, secret, tracked) => {
    const token = header(request, "x-gitlab-token")
    if (token === undefined) return Verdict.unauthorized("missing X-Gitlab-Token header")
    if (!safeEqual(token, Redacted.value(secret)))
      return Verdict.unauthorized("X-Gitlab-Token does not match the secret")
    const id = deliveryId(request.headers, deliveryHeaders)
    const event = header(request, "x-gitlab-event")
    switch (event) {
      case undefined:
        return Verdict.badRequest("missing X-Gitlab-Event header")
      case "Push Hook": {
        const push = decodeJsonBody(Push, request.body, "GitLab Push Hook")
        if (push._tag === "Invalid") return Verdict.badRequest(push.reason)
        const { ref, after, checkout_sha } = push.value
        const verdict =
          tracked.includes(ref) && (isZeroSha(after) || checkout_sha === null)
            ? Verdict.ignored(`${shown(ref)} was deleted`)
            : verdictForRef(ref, tracked, id)
        return Verdict.naming(verdict, repositoryNames.gitlab(push.json))
      }
      case "Merge Request Hook": {
        const mr = decodeJsonBody(MergeRequest, request.body, "GitLab Merge Request Hook")
        if (mr._tag === "Invalid") return Verdict.badRequest(mr.reason)
        const { action, state, target_branch } = mr.value.object_attributes
        const ref = branchRef(target_branch)
        const verdict =
          action !== "merge" && !(action == null && state === "merged")
            ? Verdict.ignored(`merge request ${shown(action ?? state ?? "event")} is not a merge`)
            : verdictForRef(ref, tracked, id)
        return Verdict.naming(verdict, repositoryNames.gitlab(mr.json))
      }
      default:
        return Verdict.ignored(`event ${shown(event)} is not handled`)
    }
  },
}
