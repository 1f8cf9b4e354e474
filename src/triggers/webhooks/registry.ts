import { Schema } from "effect"
import type { AnnouncedDigest } from "../../registry/Registry.ts"
import { checkBearer } from "./bearerToken.ts"
import { decodeJsonBody } from "./jsonBody.ts"
import { distinct, hostOf, pushedImage } from "./pushedImages.ts"
import { Verdict } from "./Verdict.ts"
import type { WebhookProvider } from "./WebhookProvider.ts"

const opt = Schema.optionalKey
const Text = Schema.NullOr(Schema.String)

const Envelope = Schema.Struct({
  events: Schema.Array(
    Schema.Struct({
      id: opt(Text),
      timestamp: opt(Text),
      action: Schema.String,
      target: Schema.Struct({ repository: Schema.String, tag: opt(Text), digest: opt(Text), url: opt(Text) }),
      request: opt(Schema.NullOr(Schema.Struct({ host: opt(Text) }))),
    }),
  ),
})

/**
 * The Docker registry's own notifications (the `notifications.endpoints` of the
 * distribution server), authenticated by the header its endpoint config sends:
 * `Authorization: [Bearer <secret>]`. A tag push is an event with action `push` and a
 * `tag`; layer pushes, pulls and deletions are not. The image's host is the one the
 * pusher used (`request.host`), as a service's `image:` names it.
 */
export const registry: WebhookProvider = {
  deliveryId: () => undefined,
  verify: (request, secret) => {
    const invalid = checkBearer(request, secret)
    if (invalid !== undefined) return Verdict.unauthorized(invalid)
    const decoded = decodeJsonBody(Envelope, request.body, "registry notification")
    if (decoded._tag === "Invalid") return Verdict.badRequest(decoded.reason)
    const events = decoded.value.events.filter((e) => e.action === "push")
    const digests: Record<string, AnnouncedDigest> = {}
    const images = events.map((e) => {
      const image = pushedImage(
        e.request?.host ?? hostOf(e.target.url ?? undefined),
        e.target.repository,
        e.target.tag ?? undefined,
      )
      const at = Date.parse(e.timestamp ?? "")
      // The newest event per image wins: a retried old one must not name an older digest.
      if (image !== undefined && e.target.digest && Number.isFinite(at) && at > (digests[image]?.at ?? 0))
        digests[image] = { digest: e.target.digest, at }
      return image
    })
    // The envelope has no id of its own; its first event's does, and retries resend it.
    return Verdict.imagesPushed(
      distinct(images),
      events[0]?.id ?? undefined,
      "the registry notification",
      digests,
    )
  },
}
