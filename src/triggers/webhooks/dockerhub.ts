import { Redacted, Schema } from "effect"
import { safeEqual } from "./constantTime.ts"
import { decodeJsonBody } from "./jsonBody.ts"
import { distinct, pushedImage } from "./pushedImages.ts"
import { Verdict } from "./Verdict.ts"
import type { WebhookProvider } from "./WebhookProvider.ts"

const Push = Schema.Struct({
  push_data: Schema.Struct({ tag: Schema.NullOr(Schema.String) }),
  repository: Schema.Struct({ repo_name: Schema.String }),
})

/**
 * Docker Hub's repository webhook. Docker Hub neither signs its deliveries nor sends
 * custom headers, so the secret travels in the URL: `/hooks/dockerhub?token=<secret>`
 * (use https between Docker Hub and fleetd). The image is `docker.io/<repo_name>:<tag>`.
 */
export const dockerhub: WebhookProvider = {
  deliveryId: () => undefined,
  verify: (request, secret) => {
    const token = request.query?.["token"]
    if (token === undefined || token === "") return Verdict.unauthorized("missing ?token= in the URL")
    if (!safeEqual(token, Redacted.value(secret)))
      return Verdict.unauthorized("token does not match the secret")
    const decoded = decodeJsonBody(Push, request.body, "Docker Hub")
    if (decoded._tag === "Invalid") return Verdict.badRequest(decoded.reason)
    const { push_data, repository } = decoded.value
    const image = pushedImage("docker.io", repository.repo_name, push_data.tag ?? undefined)
    return Verdict.imagesPushed(distinct([image]), undefined, "the Docker Hub push")
  },
}
