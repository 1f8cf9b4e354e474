import { Schema } from "effect"
import { decodeJsonBody } from "./jsonBody.ts"
import { distinct, hostOf, pushedImage } from "./pushedImages.ts"
import { shown } from "./trackedRefs.ts"
import { Verdict, type Verdict as VerdictType } from "./Verdict.ts"
import type { WebhookRequest } from "./WebhookRequest.ts"

const opt = Schema.optionalKey
const Text = Schema.NullOr(Schema.String)

const Package = Schema.Struct({
  name: Schema.String,
  namespace: opt(Text),
  package_type: opt(Text),
  ecosystem: opt(Text),
  owner: opt(Schema.NullOr(Schema.Struct({ login: Schema.String }))),
  package_version: opt(
    Schema.NullOr(
      Schema.Struct({
        package_url: opt(Text),
        container_metadata: opt(
          Schema.NullOr(Schema.Struct({ tag: opt(Schema.NullOr(Schema.Struct({ name: opt(Text) }))) })),
        ),
      }),
    ),
  ),
  registry: opt(Schema.NullOr(Schema.Struct({ url: opt(Text) }))),
})

const Event = Schema.Struct({
  action: Schema.String,
  package: opt(Package),
  registry_package: opt(Package),
})

/**
 * GitHub's `package` and `registry_package` events for a published container version
 * (ghcr.io): the image `ghcr.io/<owner>/<name>:<tag>`. Other package types, actions other
 * than published/updated, and untagged versions are ignored. Call it only after the
 * delivery was authenticated.
 */
export const githubPackageEvent = (
  event: "package" | "registry_package",
  request: WebhookRequest,
  id: string | undefined,
): VerdictType => {
  const decoded = decodeJsonBody(Event, request.body, `GitHub ${event}`)
  if (decoded._tag === "Invalid") return Verdict.badRequest(decoded.reason)
  const { action } = decoded.value
  const pkg = decoded.value.package ?? decoded.value.registry_package
  if (pkg === undefined) return Verdict.badRequest(`body is not a GitHub ${event} payload`)
  const type = (pkg.package_type ?? pkg.ecosystem ?? "").toLowerCase()
  if (type !== "container" && type !== "docker")
    return Verdict.ignored(`package type ${shown(type)} is not an image`)
  if (action !== "published" && action !== "updated")
    return Verdict.ignored(`${event} ${shown(action)} is not a push`)
  const version = pkg.package_version
  const owner = pkg.namespace ?? pkg.owner?.login
  const tag = version?.container_metadata?.tag?.name ?? undefined
  // package_url, when sent, is the image itself (ghcr.io/owner/name:tag).
  const host = hostOf(version?.package_url ?? pkg.registry?.url ?? undefined) ?? "ghcr.io"
  const image = owner === undefined ? undefined : pushedImage(host, `${owner}/${pkg.name}`, tag)
  return Verdict.imagesPushed(distinct([image]), id, `GitHub ${event}`)
}
