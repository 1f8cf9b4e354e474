import { Schema } from "effect"
import { checkBearer } from "./bearerToken.ts"
import { decodeJsonBody } from "./jsonBody.ts"
import { distinct, hostOf, pushedImage } from "./pushedImages.ts"
import { shown } from "./trackedRefs.ts"
import { Verdict } from "./Verdict.ts"
import type { WebhookProvider } from "./WebhookProvider.ts"

const opt = Schema.optionalKey
const Text = Schema.NullOr(Schema.String)

const Event = Schema.Struct({
  type: Schema.String,
  event_data: Schema.Struct({
    resources: Schema.Array(Schema.Struct({ tag: opt(Text), resource_url: opt(Text) })),
    repository: Schema.Struct({ repo_full_name: Schema.String }),
  }),
})

/**
 * Harbor's webhook (the default payload), authenticated by the policy's "Auth Header",
 * which Harbor sends as `Authorization` as it is: set it to the secret or
 * `Bearer <secret>`. `PUSH_ARTIFACT` names each pushed tag with its `resource_url`
 * (`harbor.example/project/app:v1`); other event types are ignored.
 */
export const harbor: WebhookProvider = {
  deliveryId: () => undefined,
  verify: (request, secret) => {
    const invalid = checkBearer(request, secret, { bare: true })
    if (invalid !== undefined) return Verdict.unauthorized(invalid)
    const decoded = decodeJsonBody(Event, request.body, "Harbor")
    if (decoded._tag === "Invalid") return Verdict.badRequest(decoded.reason)
    const { type, event_data } = decoded.value
    if (type !== "PUSH_ARTIFACT") return Verdict.ignored(`event ${shown(type)} is not a push`)
    const images = event_data.resources.map((r) =>
      pushedImage(
        hostOf(r.resource_url ?? undefined),
        event_data.repository.repo_full_name,
        r.tag ?? undefined,
      ),
    )
    return Verdict.imagesPushed(distinct(images), undefined, "the Harbor push")
  },
}
