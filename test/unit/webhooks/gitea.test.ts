import { describe, expect, it } from "vitest"
import { hmacHex } from "../../support/webhookFixtures.ts"
import { verify } from "./support.ts"

const push = JSON.stringify({ ref: "refs/heads/main", after: "b".repeat(40) })

describe("Gitea and Forgejo webhooks", () => {
  it("accepts a Forgejo push signed with X-Forgejo-Signature", () => {
    const headers = {
      "x-forgejo-signature": hmacHex(push),
      "x-forgejo-event": "push",
      "x-forgejo-delivery": "f6266f16-1bf3-46a5-9ea4-602e06ead473",
    }
    expect(verify("gitea", { body: push, headers })).toEqual({
      _tag: "Accepted",
      ref: "refs/heads/main",
      deliveryId: "f6266f16-1bf3-46a5-9ea4-602e06ead473",
    })
  })

  it("accepts X-Hub-Signature-256 alone", () => {
    const headers = { "x-hub-signature-256": `sha256=${hmacHex(push)}`, "x-gitea-event": "push" }
    expect(verify("gitea", { body: push, headers })._tag).toBe("Accepted")
  })

  it("lets the first signature present decide: a bad Gitea signature is not rescued by a good hub one", () => {
    const headers = {
      "x-gitea-signature": "0".repeat(64),
      "x-hub-signature-256": `sha256=${hmacHex(push)}`,
      "x-gitea-event": "push",
    }
    expect(verify("gitea", { body: push, headers })).toEqual({
      _tag: "Unauthorized",
      reason: "X-Gitea-Signature does not match the body",
    })
  })

  it("refuses a prefixed value in the bare Gitea header", () => {
    const headers = { "x-gitea-signature": `sha256=${hmacHex(push)}`, "x-gitea-event": "push" }
    expect(verify("gitea", { body: push, headers })).toEqual({
      _tag: "Unauthorized",
      reason: "X-Gitea-Signature is not 64 hex digits",
    })
  })

  const pr = (action: string, merged: boolean, base = "main") =>
    JSON.stringify({ action, pull_request: { merged, base: { ref: base } } })
  const signed = (body: string, event: string) => ({
    body,
    headers: { "x-gitea-signature": hmacHex(body), "x-gitea-event": event },
  })

  it("accepts a pull request merged into the tracked branch", () => {
    expect(verify("gitea", signed(pr("closed", true), "pull_request"))._tag).toBe("Accepted")
  })

  it.each([
    ["closed without merging", pr("closed", false), "pull_request closed is not a merge"],
    ["merged into another branch", pr("closed", true, "dev"), "refs/heads/dev is not the tracked ref"],
  ])("ignores a pull request %s", (_, body, reason) => {
    expect(verify("gitea", signed(body, "pull_request"))).toEqual({ _tag: "Ignored", reason })
  })

  it.each(["create", "delete", "issues", "release"])("ignores the unhandled event %s", (event) => {
    expect(verify("gitea", signed("{}", event))).toEqual({
      _tag: "Ignored",
      reason: `event ${event} is not handled`,
    })
  })

  it("ignores a push that deleted the tracked branch", () => {
    const body = JSON.stringify({ ref: "refs/heads/main", after: "0".repeat(40) })
    expect(verify("gitea", signed(body, "push"))).toEqual({
      _tag: "Ignored",
      reason: "refs/heads/main was deleted",
    })
  })

  it("answers 400 when the event header is missing", () => {
    const headers = { "x-gitea-signature": hmacHex(push) }
    expect(verify("gitea", { body: push, headers })).toEqual({
      _tag: "BadRequest",
      reason: "missing X-Gitea-Event or X-Forgejo-Event header",
    })
  })

  it("names the repository as Gitea and Forgejo send it: full_name, clone, ssh and web URLs", () => {
    const body = JSON.stringify({
      ref: "refs/heads/main",
      after: "b".repeat(40),
      repository: {
        id: 3,
        name: "shop",
        full_name: "acme/shop",
        html_url: "http://localhost:3000/acme/shop",
        ssh_url: "ssh://git@localhost:2222/acme/shop.git",
        clone_url: "http://localhost:3000/acme/shop.git",
      },
    })
    const headers = { "x-forgejo-signature": hmacHex(body), "x-forgejo-event": "push" }
    expect(verify("gitea", { body, headers })).toMatchObject({
      _tag: "Accepted",
      repository: [
        "acme/shop",
        "http://localhost:3000/acme/shop.git",
        "ssh://git@localhost:2222/acme/shop.git",
        "http://localhost:3000/acme/shop",
      ],
    })
  })
})
