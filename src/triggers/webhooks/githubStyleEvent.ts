import { Schema } from "effect"
import { decodeJsonBody } from "./jsonBody.ts"
import { repositoryNames } from "./repositoryNames.ts"
import { branchRef, isZeroSha, shown, verdictForRef } from "./trackedRefs.ts"
import { Verdict, type Verdict as VerdictType } from "./Verdict.ts"
import type { WebhookRequest } from "./WebhookRequest.ts"

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

/**
 * The verdict for a `push` or `pull_request` event in GitHub's payload format, which
 * Gitea and Forgejo copy: a push to a tracked branch (not its deletion) or a pull
 * request merged into one triggers; anything else is ignored. Either verdict names the
 * payload's `repository`. Call it only after the request was authenticated: it is the
 * first thing that parses the body.
 */
export const githubStyleEvent = (
  forge: string,
  event: "push" | "pull_request",
  request: WebhookRequest,
  tracked: ReadonlyArray<string>,
  id: string | undefined,
): VerdictType => {
  if (event === "push") {
    const push = decodeJsonBody(Push, request.body, `${forge} push`)
    if (push._tag === "Invalid") return Verdict.badRequest(push.reason)
    const { ref, deleted, after } = push.value
    const verdict =
      tracked.includes(ref) && (deleted === true || isZeroSha(after))
        ? Verdict.ignored(`${shown(ref)} was deleted`)
        : verdictForRef(ref, tracked, id)
    return Verdict.naming(verdict, repositoryNames.github(push.json))
  }
  const pr = decodeJsonBody(PullRequest, request.body, `${forge} pull_request`)
  if (pr._tag === "Invalid") return Verdict.badRequest(pr.reason)
  const { action, pull_request } = pr.value
  const ref = branchRef(pull_request.base.ref)
  const verdict =
    action !== "closed" || pull_request.merged !== true
      ? Verdict.ignored(`pull_request ${shown(action)} is not a merge`)
      : verdictForRef(ref, tracked, id)
  return Verdict.naming(verdict, repositoryNames.github(pr.json))
}
