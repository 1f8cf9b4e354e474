import type { Redacted } from "effect"
import { Schema } from "effect"
import { checkBearer } from "./bearerToken.ts"
import { deliveryId } from "./deliveryId.ts"
import { checkHmacSha256 } from "./hmacSignature.ts"
import { decodeJsonBody } from "./jsonBody.ts"
import { repositoryNames } from "./repositoryNames.ts"
import { branchRef, verdictForRef } from "./trackedRefs.ts"
import { Verdict } from "./Verdict.ts"
import type { WebhookProvider } from "./WebhookProvider.ts"
import { header, type WebhookRequest } from "./WebhookRequest.ts"

const Body = Schema.Struct({
  ref: Schema.optionalKey(Schema.String),
  branch: Schema.optionalKey(Schema.String),
  repository: Schema.optionalKey(Schema.String),
})

const deliveryHeaders = ["x-fleetd-delivery"]

/** Undefined when the request carries the secret, else why not. A signature, when sent, decides alone. */
const authenticate = (request: WebhookRequest, secret: Redacted.Redacted<string>): string | undefined => {
  const signature = header(request, "x-fleetd-signature")
  if (signature !== undefined)
    return checkHmacSha256(request.body, secret, "X-Fleetd-Signature", signature, "prefixed")
  if (header(request, "authorization") === undefined)
    return "missing X-Fleetd-Signature or Authorization: Bearer header"
  return checkBearer(request, secret)
}

const isBlank = (body: Uint8Array): boolean =>
  body.every((b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09)

/**
 * For CI jobs and scripts: `X-Fleetd-Signature: sha256=<hex>` over the body, or
 * `Authorization: Bearer <secret>`. The body is optional; `{ "ref": "refs/heads/x" }`
 * or `{ "branch": "x" }` narrows the request to one ref, ignored unless it is tracked;
 * `{ "repository": "acme/shop" }` names the repository, for the shared URL.
 */
export const generic: WebhookProvider = {
  deliveryId: (headers) => deliveryId(headers, deliveryHeaders),
  verify: (request, secret, tracked) => {
    const invalid = authenticate(request, secret)
    if (invalid !== undefined) return Verdict.unauthorized(invalid)
    const id = deliveryId(request.headers, deliveryHeaders)
    if (isBlank(request.body)) return Verdict.accepted(undefined, id)
    const body = decodeJsonBody(Body, request.body, "generic")
    if (body._tag === "Invalid") return Verdict.badRequest(body.reason)
    const { ref: rawRef, branch, repository } = body.value
    const named = repositoryNames.generic(body.json)
    // A name that was given but cannot be used must not widen the routing to "names none".
    if (repository !== undefined && named.length === 0)
      return Verdict.badRequest(
        "repository is not a repository name (printable ASCII, at most 512 characters)",
      )
    const ref = rawRef ?? (branch === undefined ? undefined : branchRef(branch))
    const verdict = ref === undefined ? Verdict.accepted(undefined, id) : verdictForRef(ref, tracked, id)
    return Verdict.naming(verdict, named)
  },
}
