import { deliveryId } from "./deliveryId.ts"
import { githubPackageEvent } from "./githubPackageEvent.ts"
import { githubStyleEvent } from "./githubStyleEvent.ts"
import { checkHmacSha256 } from "./hmacSignature.ts"
import { shown } from "./trackedRefs.ts"
import { Verdict } from "./Verdict.ts"
import type { WebhookProvider } from "./WebhookProvider.ts"
import { header } from "./WebhookRequest.ts"

const deliveryHeaders = ["x-github-delivery"]

/** GitHub: `X-Hub-Signature-256: sha256=<hex>`; push, merged pull_request, container package pushes, ping. */
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
      case "push":
      case "pull_request":
        return githubStyleEvent("GitHub", event, request, tracked, id)
      case "package":
      case "registry_package":
        return githubPackageEvent(event, request, id)
      default:
        return Verdict.ignored(`event ${shown(event)} is not handled`)
    }
  },
}
