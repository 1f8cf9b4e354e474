import { Schema } from "effect"
import { decodeJsonBody } from "./jsonBody.ts"
import { distinct, hostOf, pushedImage } from "./pushedImages.ts"
import { shown } from "./trackedRefs.ts"
import { Verdict, type Verdict as VerdictType } from "./Verdict.ts"
import type { WebhookRequest } from "./WebhookRequest.ts"

const opt = Schema.optionalKey

const Event = Schema.Struct({
  action: Schema.String,
  package: Schema.Struct({
    type: Schema.String,
    name: Schema.String,
    version: Schema.String,
    html_url: opt(Schema.NullOr(Schema.String)),
    owner: Schema.Struct({
      login: opt(Schema.NullOr(Schema.String)),
      username: opt(Schema.NullOr(Schema.String)),
    }),
  }),
})

/**
 * Gitea's and Forgejo's `package` event for a container version created: the image
 * `<forge host>/<owner>/<name>:<version>`. A version named by its digest (a platform's
 * manifest of a multi-arch push) names no tag and is ignored, as are other package
 * types and deletions. Call it only after the delivery was authenticated.
 */
export const giteaPackageEvent = (request: WebhookRequest, id: string | undefined): VerdictType => {
  const decoded = decodeJsonBody(Event, request.body, "Gitea package")
  if (decoded._tag === "Invalid") return Verdict.badRequest(decoded.reason)
  const { action, package: pkg } = decoded.value
  if (pkg.type !== "container") return Verdict.ignored(`package type ${shown(pkg.type)} is not an image`)
  if (action !== "created") return Verdict.ignored(`package ${shown(action)} is not a push`)
  const owner = pkg.owner.login ?? pkg.owner.username ?? undefined
  const tag = pkg.version.startsWith("sha256:") ? undefined : pkg.version
  const host = hostOf(pkg.html_url ?? undefined)
  const image =
    owner === undefined || host === undefined ? undefined : pushedImage(host, `${owner}/${pkg.name}`, tag)
  return Verdict.imagesPushed(distinct([image]), id, "Gitea package")
}
