import { describe, expect, it } from "vitest"
import { authHeaders, hmacHex } from "../../support/webhookFixtures.ts"
import { verify } from "./support.ts"

const deliver = (event: string | undefined, payload: unknown, extra: Record<string, string> = {}) => {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload)
  return {
    body,
    headers: {
      ...authHeaders("github", body),
      ...(event === undefined ? {} : { "x-github-event": event }),
      "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      ...extra,
    },
  }
}

const pr = (action: string, merged: boolean | null, base = "main") => ({
  action,
  number: 7,
  pull_request: { merged, base: { ref: base }, head: { ref: "feature" } },
})

describe("GitHub webhooks", () => {
  it("answers a ping with a pong", () => {
    expect(verify("github", deliver("ping", { zen: "Keep it logically awesome.", hook_id: 1 }))).toEqual({
      _tag: "Pong",
    })
  })

  it("accepts a pull request merged into the tracked branch", () => {
    expect(verify("github", deliver("pull_request", pr("closed", true)))).toEqual({
      _tag: "Accepted",
      ref: "refs/heads/main",
      deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    })
  })

  it.each([
    ["closed without merging", pr("closed", false), "pull_request closed is not a merge"],
    ["closed with merged null", pr("closed", null), "pull_request closed is not a merge"],
    ["opened", pr("opened", false), "pull_request opened is not a merge"],
    ["merged into another branch", pr("closed", true, "dev"), "refs/heads/dev is not the tracked ref"],
  ])("ignores a pull request %s", (_, payload, reason) => {
    expect(verify("github", deliver("pull_request", payload))).toEqual({ _tag: "Ignored", reason })
  })

  it("ignores the deletion of the tracked branch", () => {
    const payload = { ref: "refs/heads/main", deleted: true, after: "0".repeat(40) }
    expect(verify("github", deliver("push", payload))).toEqual({
      _tag: "Ignored",
      reason: "refs/heads/main was deleted",
    })
  })

  it.each(["issues", "star", "workflow_run", "create"])("ignores the unhandled event %s", (event) => {
    expect(verify("github", deliver(event, "not even JSON"))).toEqual({
      _tag: "Ignored",
      reason: `event ${event} is not handled`,
    })
  })

  it("answers 400 when the event header is missing", () => {
    expect(verify("github", deliver(undefined, { ref: "refs/heads/main" }))).toEqual({
      _tag: "BadRequest",
      reason: "missing X-GitHub-Event header",
    })
  })

  it("authenticates before it parses: an unsigned non-JSON body is Unauthorized, not BadRequest", () => {
    const verdict = verify("github", { body: "{", headers: { "x-github-event": "push" } })
    expect(verdict._tag).toBe("Unauthorized")
  })

  it("accepts an upper-case hex digest and a SHA256= prefix", () => {
    const body = JSON.stringify({ ref: "refs/heads/main" })
    const headers = {
      "x-github-event": "push",
      "x-hub-signature-256": `SHA256=${hmacHex(body).toUpperCase()}`,
    }
    expect(verify("github", { body, headers })._tag).toBe("Accepted")
  })

  it("drops a delivery id that is not a plausible token", () => {
    const delivery = deliver("push", { ref: "refs/heads/main" }, { "x-github-delivery": "a b\nInjected: 1" })
    expect(verify("github", delivery)).toEqual({
      _tag: "Accepted",
      ref: "refs/heads/main",
      deliveryId: undefined,
    })
  })

  it("follows a pinned tag: a push of that tag triggers, the branch does not", () => {
    const tracked = ["refs/tags/v1", "refs/heads/v1"]
    expect(verify("github", deliver("push", { ref: "refs/tags/v1" }), tracked)._tag).toBe("Accepted")
    expect(verify("github", deliver("push", { ref: "refs/heads/main" }), tracked)._tag).toBe("Ignored")
  })

  // The repository object as GitHub sends it (push and pull_request: the base repository).
  const repository = {
    id: 1296269,
    name: "shop",
    full_name: "acme/shop",
    html_url: "https://github.com/acme/shop",
    url: "https://api.github.com/repos/acme/shop",
    git_url: "git://github.com/acme/shop.git",
    ssh_url: "git@github.com:acme/shop.git",
    clone_url: "https://github.com/acme/shop.git",
    svn_url: "https://github.com/acme/shop",
  }
  const names = [
    "acme/shop",
    "https://github.com/acme/shop.git",
    "git@github.com:acme/shop.git",
    "git://github.com/acme/shop.git",
    "https://github.com/acme/shop",
  ]

  it.each([
    ["a push", "push", { ref: "refs/heads/main", after: "a".repeat(40), repository }, "Accepted"],
    ["a push of another branch", "push", { ref: "refs/heads/dev", repository }, "Ignored"],
    ["a merged pull request", "pull_request", { ...pr("closed", true), repository }, "Accepted"],
    ["an unmerged pull request", "pull_request", { ...pr("opened", false), repository }, "Ignored"],
  ])(
    "names the repository of %s: full_name and its clone and web URLs, not the API URL",
    (_, event, payload, tag) => {
      const verdict = verify("github", deliver(event, payload))
      expect(verdict._tag).toBe(tag)
      expect(verdict).toMatchObject({ repository: names })
    },
  )

  it("names no repository when the payload has none, or one of another shape", () => {
    expect(verify("github", deliver("push", { ref: "refs/heads/main" }))).not.toHaveProperty("repository")
    const odd = { ref: "refs/heads/main", repository: { full_name: 42, clone_url: null, html_url: ["x"] } }
    expect(verify("github", deliver("push", odd))).toEqual({
      _tag: "Accepted",
      ref: "refs/heads/main",
      deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    })
  })

  it("drops hostile names whole (control characters, non-ASCII, over 512 characters), keeping the rest", () => {
    const hostile = {
      full_name: "acme/shop\u001b[31m",
      clone_url: `https://github.com/${"a".repeat(600)}/shop.git`,
      ssh_url: "git@github.com:acme/shöp.git",
      git_url: "git://github.com/acme/shop.git\nInjected: 1",
      html_url: "https://github.com/acme/shop",
    }
    expect(verify("github", deliver("push", { ref: "refs/heads/main", repository: hostile }))).toMatchObject({
      repository: ["https://github.com/acme/shop"],
    })
    const all = { ...hostile, html_url: "\u0000" }
    expect(verify("github", deliver("push", { ref: "refs/heads/main", repository: all }))).not.toHaveProperty(
      "repository",
    )
  })
})
