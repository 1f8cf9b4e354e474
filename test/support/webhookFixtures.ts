import { createHmac, randomUUID } from "node:crypto"
import type { ForgeProvider as WebhookProvider } from "../../src/domain/webhookProviders.ts"

/** Test deliveries in each forge's own format, signed the way that forge signs them. */

export const SECRET = "s3cret-webhook-key-do-not-log"

export const hmacHex = (body: string | Uint8Array, secret = SECRET, algorithm = "sha256"): string =>
  createHmac(algorithm, secret).update(body).digest("hex")

export type Headers = Record<string, string>

export interface Delivery {
  readonly headers: Headers
  readonly body: string
}

/** The headers that authenticate `body` for `provider` (GitLab sends the secret itself). */
export const authHeaders = (
  provider: WebhookProvider,
  body: string | Uint8Array,
  secret = SECRET,
): Headers => {
  switch (provider) {
    case "github":
      return { "x-hub-signature-256": `sha256=${hmacHex(body, secret)}` }
    case "gitlab":
      return { "x-gitlab-token": secret }
    case "gitea":
      return { "x-gitea-signature": hmacHex(body, secret) }
    case "bitbucket":
      return { "x-hub-signature": `sha256=${hmacHex(body, secret)}` }
    case "generic":
      return { "x-fleetd-signature": `sha256=${hmacHex(body, secret)}` }
  }
}

/** The header that carries the credential, for tampering tests. */
export const authHeaderName: Record<WebhookProvider, string> = {
  github: "x-hub-signature-256",
  gitlab: "x-gitlab-token",
  gitea: "x-gitea-signature",
  bitbucket: "x-hub-signature",
  generic: "x-fleetd-signature",
}

export const deliveryHeaderName: Record<WebhookProvider, string> = {
  github: "x-github-delivery",
  gitlab: "x-gitlab-event-uuid",
  gitea: "x-gitea-delivery",
  bitbucket: "x-request-uuid",
  generic: "x-fleetd-delivery",
}

const sha = "a".repeat(40)

/** An unsigned push of `ref` (a full ref) in `provider`'s format: event headers and body. */
export const pushEvent = (provider: WebhookProvider, ref: string): Delivery => {
  const name = ref.replace(/^refs\/(heads|tags)\//, "")
  const isTag = ref.startsWith("refs/tags/")
  switch (provider) {
    case "github":
      return {
        headers: { "x-github-event": "push" },
        body: JSON.stringify({ ref, after: sha, deleted: false }),
      }
    case "gitlab":
      return {
        headers: { "x-gitlab-event": isTag ? "Tag Push Hook" : "Push Hook" },
        body: JSON.stringify({
          object_kind: isTag ? "tag_push" : "push",
          ref,
          after: sha,
          checkout_sha: sha,
        }),
      }
    case "gitea":
      return { headers: { "x-gitea-event": "push" }, body: JSON.stringify({ ref, after: sha }) }
    case "bitbucket":
      return {
        headers: { "x-event-key": "repo:push" },
        body: JSON.stringify({
          push: { changes: [{ new: { type: isTag ? "tag" : "branch", name }, old: null }] },
        }),
      }
    case "generic":
      return { headers: {}, body: JSON.stringify({ ref }) }
  }
}

/** A signed push of `ref` with an optional delivery id. */
export const signedPush = (provider: WebhookProvider, ref: string, deliveryId?: string): Delivery => {
  const event = pushEvent(provider, ref)
  return {
    body: event.body,
    headers: {
      ...event.headers,
      ...authHeaders(provider, event.body),
      ...(deliveryId === undefined ? {} : { [deliveryHeaderName[provider]]: deliveryId }),
    },
  }
}

/**
 * A GitHub push of `main` naming `repository` (`owner/name`), signed with `secret`, with
 * a fresh delivery id: what a source's forge sends to the shared `/hooks/github` URL.
 */
export const githubPush = (repository: string, secret: string): Delivery => {
  const body = JSON.stringify({
    ref: "refs/heads/main",
    after: "b".repeat(40),
    repository: { full_name: repository, clone_url: `https://github.com/${repository}.git` },
  })
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": `sha256=${hmacHex(body, secret)}`,
    },
  }
}

/** A signed delivery of an arbitrary body for an event that expects a JSON payload. */
export const signedBody = (provider: WebhookProvider, body: string): Delivery => {
  const event = pushEvent(provider, "refs/heads/main")
  return { body, headers: { ...event.headers, ...authHeaders(provider, body) } }
}

export const providerNames: ReadonlyArray<WebhookProvider> = [
  "github",
  "gitlab",
  "gitea",
  "bitbucket",
  "generic",
]
