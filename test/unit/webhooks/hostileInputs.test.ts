import { describe, expect, it } from "vitest"
import type { ForgeProvider as WebhookProvider } from "../../../src/domain/webhookProviders.ts"
import {
  authHeaderName,
  authHeaders,
  hmacHex,
  providerNames,
  pushEvent,
  SECRET,
  signedBody,
  signedPush,
} from "../../support/webhookFixtures.ts"
import { verify } from "./support.ts"

/** How each provider names its credential in Unauthorized reasons. */
const credential: Record<WebhookProvider, string> = {
  github: "X-Hub-Signature-256",
  gitlab: "X-Gitlab-Token",
  gitea: "X-Gitea-Signature",
  bitbucket: "X-Hub-Signature",
  generic: "X-Fleetd-Signature",
}

const missingReason: Record<WebhookProvider, string> = {
  github: "missing X-Hub-Signature-256 header",
  gitlab: "missing X-Gitlab-Token header",
  gitea: "missing X-Gitea-Signature or X-Forgejo-Signature header",
  bitbucket: "missing X-Hub-Signature header",
  generic: "missing X-Fleetd-Signature or Authorization: Bearer header",
}

const payloadName: Record<WebhookProvider, string> = {
  github: "GitHub push",
  gitlab: "GitLab Push Hook",
  gitea: "Gitea push",
  bitbucket: "Bitbucket repo:push",
  generic: "generic",
}

const mismatch = (p: WebhookProvider) =>
  p === "gitlab" ? "X-Gitlab-Token does not match the secret" : `${credential[p]} does not match the body`

/** The push to main, with its credential header replaced (or removed when `value` is undefined). */
const withCredential = (p: WebhookProvider, value: string | undefined) => {
  const push = signedPush(p, "refs/heads/main")
  const headers = { ...push.headers }
  delete headers[authHeaderName[p]]
  return {
    body: push.body,
    headers: value === undefined ? headers : { ...headers, [authHeaderName[p]]: value },
  }
}

/** The credential as `p` sends it, for a given hex digest (GitLab: the token itself). */
const asSent = (p: WebhookProvider, hex: string) => (p === "gitea" ? hex : `sha256=${hex}`)

describe.each(providerNames)("%s webhook against hostile input", (p) => {
  const body = pushEvent(p, "refs/heads/main").body
  const good = hmacHex(body)

  it("accepts a correctly signed push to the tracked branch", () => {
    expect(verify(p, signedPush(p, "refs/heads/main", "d-1"))).toEqual({
      _tag: "Accepted",
      ref: "refs/heads/main",
      deliveryId: "d-1",
    })
  })

  it("refuses a missing credential", () => {
    expect(verify(p, withCredential(p, undefined))).toEqual({
      _tag: "Unauthorized",
      reason: missingReason[p],
    })
  })

  it("refuses an empty credential header as missing", () => {
    expect(verify(p, withCredential(p, ""))).toEqual({ _tag: "Unauthorized", reason: missingReason[p] })
  })

  it("refuses a credential made with another secret", () => {
    const wrong = authHeaders(p, body, "another-secret")[authHeaderName[p]]
    expect(verify(p, withCredential(p, wrong))).toEqual({ _tag: "Unauthorized", reason: mismatch(p) })
  })

  it("refuses a signature of another body (tampered payload)", () => {
    const tampered = { ...signedPush(p, "refs/heads/main"), body: body.replace("main", "dev") }
    // GitLab's token is a shared password, not a signature of the body: it cannot
    // detect tampering (TLS has to), so the tampered push is read as what it says.
    expect(verify(p, tampered)).toEqual(
      p === "gitlab"
        ? { _tag: "Ignored", reason: "refs/heads/dev is not the tracked ref" }
        : { _tag: "Unauthorized", reason: mismatch(p) },
    )
  })

  const malformed = p === "gitlab" ? mismatch(p) : `${credential[p]} is not 64 hex digits`

  it("refuses a truncated credential", () => {
    const value = p === "gitlab" ? SECRET.slice(0, -1) : asSent(p, good.slice(0, 63))
    expect(verify(p, withCredential(p, value))).toEqual({ _tag: "Unauthorized", reason: malformed })
  })

  it("refuses a credential that is too long", () => {
    const value = p === "gitlab" ? `${SECRET}x` : asSent(p, `${good}00`)
    expect(verify(p, withCredential(p, value))).toEqual({ _tag: "Unauthorized", reason: malformed })
  })

  it("refuses a credential that is not hex", () => {
    const value = p === "gitlab" ? "z".repeat(64) : asSent(p, `${good.slice(0, 62)}zz`)
    expect(verify(p, withCredential(p, value))).toEqual({ _tag: "Unauthorized", reason: malformed })
  })

  it("refuses a sha1 signature where sha256 is required", () => {
    const sha1 = `sha1=${hmacHex(body, SECRET, "sha1")}`
    const reason =
      p === "gitlab"
        ? mismatch(p)
        : p === "gitea"
          ? malformed
          : `${credential[p]} uses sha1; sha256 is required`
    expect(verify(p, withCredential(p, sha1))).toEqual({ _tag: "Unauthorized", reason })
  })

  it("does not echo a garbage algorithm name", () => {
    if (p === "gitlab" || p === "gitea") return
    const verdict = verify(p, withCredential(p, `<script>=${good}`))
    expect(verdict).toEqual({
      _tag: "Unauthorized",
      reason: `${credential[p]} uses an unsupported algorithm; sha256 is required`,
    })
  })

  it("answers 400 to a non-JSON body with a valid signature", () => {
    expect(verify(p, signedBody(p, "ref=refs/heads/main"))).toEqual({
      _tag: "BadRequest",
      reason: "body is not valid JSON",
    })
  })

  it("answers 400 to invalid UTF-8 with a valid signature", () => {
    const bytes = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])
    const headers = { ...pushEvent(p, "refs/heads/main").headers, ...authHeaders(p, bytes) }
    expect(verify(p, { headers, body: bytes })).toEqual({
      _tag: "BadRequest",
      reason: "body is not valid JSON",
    })
  })

  it.each([
    ["wrong field types", `{"ref":42,"push":{"changes":7},"changes":7}`],
    ["a JSON array", "[]"],
    ["JSON null", "null"],
    ["a JSON string", `"refs/heads/main"`],
  ])("answers 400 to %s with a valid signature", (_, json) => {
    expect(verify(p, signedBody(p, json))).toEqual({
      _tag: "BadRequest",
      reason: `body is not a ${payloadName[p]} payload`,
    })
  })

  it("ignores a push to another branch", () => {
    expect(verify(p, signedPush(p, "refs/heads/dev"))).toEqual({
      _tag: "Ignored",
      reason: "refs/heads/dev is not the tracked ref",
    })
  })

  it("ignores a tag", () => {
    const verdict = verify(p, signedPush(p, "refs/tags/v1.0"))
    // GitLab announces tags as their own event and never gets as far as the ref.
    expect(verdict).toEqual(
      p === "gitlab"
        ? { _tag: "Ignored", reason: "event Tag Push Hook is not handled" }
        : { _tag: "Ignored", reason: "tag refs/tags/v1.0 is not tracked" },
    )
  })

  it("never authenticates with the secret under another provider's header", () => {
    const push = signedPush(p, "refs/heads/main")
    const headers = { ...push.headers }
    delete headers[authHeaderName[p]]
    const other = p === "github" ? "x-hub-signature" : "x-hub-signature-256"
    headers[other] = `sha256=${hmacHex(push.body)}`
    // Gitea accepts X-Hub-Signature-256 as one of its own signatures.
    const expected = p === "gitea" ? "Accepted" : "Unauthorized"
    expect(verify(p, { headers, body: push.body })._tag).toBe(expected)
  })
})
