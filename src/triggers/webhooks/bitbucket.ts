import { Schema } from "effect"
import { deliveryId } from "./deliveryId.ts"
import { checkHmacSha256 } from "./hmacSignature.ts"
import { decodeJsonBody } from "./jsonBody.ts"
import { repositoryNames } from "./repositoryNames.ts"
import { branchRef, shown, type TrackedRefs, untrackedReason, verdictForRef } from "./trackedRefs.ts"
import { Verdict } from "./Verdict.ts"
import type { WebhookProvider } from "./WebhookProvider.ts"
import { header } from "./WebhookRequest.ts"

/** Bitbucket Cloud `repo:push`: `new` is null when the branch or tag was deleted. */
const CloudPush = Schema.Struct({
  push: Schema.Struct({
    changes: Schema.Array(
      Schema.Struct({
        new: Schema.NullOr(Schema.Struct({ type: Schema.String, name: Schema.String })),
      }),
    ),
  }),
})

/** Bitbucket Server / Data Center `repo:refs_changed`. */
const ServerRefsChanged = Schema.Struct({
  changes: Schema.Array(Schema.Struct({ ref: Schema.Struct({ id: Schema.String }), type: Schema.String })),
})

const CloudMerged = Schema.Struct({
  pullrequest: Schema.Struct({
    destination: Schema.Struct({ branch: Schema.Struct({ name: Schema.String }) }),
  }),
})

const ServerMerged = Schema.Struct({
  pullRequest: Schema.Struct({ toRef: Schema.Struct({ id: Schema.String }) }),
})

// X-Request-UUID (Cloud) and X-Request-Id (Server) name one delivery. X-Hook-UUID
// is deliberately not used: it names the webhook, the same for every delivery, and
// would make every event after the first a "duplicate".
const deliveryHeaders = ["x-request-uuid", "x-request-id"]

/** `refs` are the full refs a push left in place; deletions are undefined and never trigger. */
const pushVerdict = (
  refs: ReadonlyArray<string | undefined>,
  tracked: TrackedRefs,
  id: string | undefined,
): Verdict => {
  const hit = refs.find((ref) => ref !== undefined && tracked.includes(ref))
  if (hit !== undefined) return Verdict.accepted(hit, id)
  const first = refs.find((ref) => ref !== undefined)
  return Verdict.ignored(first === undefined ? "push changed no existing ref" : untrackedReason(first))
}

/**
 * Bitbucket Cloud and Server: `X-Hub-Signature: sha256=<hex>`; pushes and merged pull
 * requests, naming the payload's repository.
 */
export const bitbucket: WebhookProvider = {
  deliveryId: (headers) => deliveryId(headers, deliveryHeaders),
  verify: (request, secret, tracked) => {
    const invalid = checkHmacSha256(
      request.body,
      secret,
      "X-Hub-Signature",
      header(request, "x-hub-signature"),
      "prefixed",
    )
    if (invalid !== undefined) return Verdict.unauthorized(invalid)
    const id = deliveryId(request.headers, deliveryHeaders)
    const event = header(request, "x-event-key")
    switch (event) {
      case undefined:
        return Verdict.badRequest("missing X-Event-Key header")
      case "diagnostics:ping":
        return Verdict.pong
      case "repo:push": {
        const push = decodeJsonBody(CloudPush, request.body, "Bitbucket repo:push")
        if (push._tag === "Invalid") return Verdict.badRequest(push.reason)
        const refs = push.value.push.changes.map(({ new: pushed }) =>
          pushed === null
            ? undefined
            : pushed.type === "branch"
              ? branchRef(pushed.name)
              : `refs/tags/${pushed.name}`,
        )
        return Verdict.naming(pushVerdict(refs, tracked, id), repositoryNames.bitbucket(push.json))
      }
      case "repo:refs_changed": {
        const push = decodeJsonBody(ServerRefsChanged, request.body, "Bitbucket repo:refs_changed")
        if (push._tag === "Invalid") return Verdict.badRequest(push.reason)
        const refs = push.value.changes.map((c) => (c.type === "DELETE" ? undefined : c.ref.id))
        return Verdict.naming(pushVerdict(refs, tracked, id), repositoryNames.bitbucket(push.json))
      }
      case "pullrequest:fulfilled": {
        const pr = decodeJsonBody(CloudMerged, request.body, "Bitbucket pullrequest:fulfilled")
        if (pr._tag === "Invalid") return Verdict.badRequest(pr.reason)
        const ref = branchRef(pr.value.pullrequest.destination.branch.name)
        return Verdict.naming(verdictForRef(ref, tracked, id), repositoryNames.bitbucket(pr.json))
      }
      case "pr:merged": {
        const pr = decodeJsonBody(ServerMerged, request.body, "Bitbucket pr:merged")
        if (pr._tag === "Invalid") return Verdict.badRequest(pr.reason)
        const ref = pr.value.pullRequest.toRef.id
        return Verdict.naming(verdictForRef(ref, tracked, id), repositoryNames.bitbucket(pr.json))
      }
      default:
        return Verdict.ignored(`event ${shown(event)} is not handled`)
    }
  },
}
