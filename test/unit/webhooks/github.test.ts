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
})
