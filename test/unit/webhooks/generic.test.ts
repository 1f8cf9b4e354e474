import { describe, expect, it } from "vitest"
import { hmacHex, SECRET } from "../../support/webhookFixtures.ts"
import { verify } from "./support.ts"

const bearer = (token: string, body = "", extra: Record<string, string> = {}) => ({
  body,
  headers: { authorization: `Bearer ${token}`, ...extra },
})

describe("generic webhook", () => {
  it("accepts a bearer token with no body", () => {
    expect(verify("generic", bearer(SECRET, "", { "x-fleetd-delivery": "ci-42" }))).toEqual({
      _tag: "Accepted",
      ref: undefined,
      deliveryId: "ci-42",
    })
  })

  it("accepts a signed empty body", () => {
    const headers = { "x-fleetd-signature": `sha256=${hmacHex("")}` }
    expect(verify("generic", { body: "", headers })._tag).toBe("Accepted")
  })

  it.each([
    ["another token", bearer("nope"), "bearer token does not match the secret"],
    ["a prefix of the secret", bearer(SECRET.slice(0, 4)), "bearer token does not match the secret"],
    [
      "Basic auth",
      { body: "", headers: { authorization: `Basic ${SECRET}` } },
      "Authorization is not a Bearer token",
    ],
    [
      "an empty bearer",
      { body: "", headers: { authorization: "Bearer " } },
      "Authorization is not a Bearer token",
    ],
  ])("refuses %s", (_, delivery, reason) => {
    expect(verify("generic", delivery)).toEqual({ _tag: "Unauthorized", reason })
  })

  it("lets a signature, when sent, decide alone (a good bearer does not rescue a bad signature)", () => {
    const delivery = bearer(SECRET, "", { "x-fleetd-signature": `sha256=${"0".repeat(64)}` })
    expect(verify("generic", delivery)).toEqual({
      _tag: "Unauthorized",
      reason: "X-Fleetd-Signature does not match the body",
    })
  })

  it.each([
    [`{"branch":"main"}`, "Accepted"],
    [`{"ref":"refs/heads/main"}`, "Accepted"],
    [`{"ref":"refs/heads/main","extra":[1,2]}`, "Accepted"],
    [`{}`, "Accepted"],
    ["  \n", "Accepted"],
  ])("accepts the body %j", (body, tag) => {
    expect(verify("generic", bearer(SECRET, body))._tag).toBe(tag)
  })

  it.each([
    [`{"branch":"dev"}`, "refs/heads/dev is not the tracked ref"],
    [`{"ref":"refs/tags/v3"}`, "tag refs/tags/v3 is not tracked"],
  ])("ignores %s", (body, reason) => {
    expect(verify("generic", bearer(SECRET, body))).toEqual({ _tag: "Ignored", reason })
  })

  it.each([
    [`{"branch":["main"]}`, "body is not a generic payload"],
    [`{"ref":null}`, "body is not a generic payload"],
    ["branch=main", "body is not valid JSON"],
  ])("answers 400 to %s", (body, reason) => {
    expect(verify("generic", bearer(SECRET, body))).toEqual({ _tag: "BadRequest", reason })
  })

  it("in directory mode, triggers only without a ref", () => {
    expect(verify("generic", bearer(SECRET), [])._tag).toBe("Accepted")
    expect(verify("generic", bearer(SECRET, `{"branch":"main"}`), [])._tag).toBe("Ignored")
  })

  it("takes an optional repository, with or without a ref", () => {
    expect(verify("generic", bearer(SECRET, `{"repository":"acme/shop"}`))).toEqual({
      _tag: "Accepted",
      ref: undefined,
      deliveryId: undefined,
      repository: ["acme/shop"],
    })
    expect(verify("generic", bearer(SECRET, `{"branch":"dev","repository":"acme/shop"}`))).toEqual({
      _tag: "Ignored",
      reason: "refs/heads/dev is not the tracked ref",
      repository: ["acme/shop"],
    })
  })

  it.each([
    ["a control character", JSON.stringify({ repository: "acme/shop\nInjected: 1" })],
    ["a space", JSON.stringify({ repository: "acme shop" })],
    ["an empty name", JSON.stringify({ repository: "" })],
    ["a very long name", JSON.stringify({ repository: `acme/${"x".repeat(600)}` })],
  ])("refuses a repository with %s (400) rather than routing as if it named none", (_, body) => {
    expect(verify("generic", bearer(SECRET, body))).toEqual({
      _tag: "BadRequest",
      reason: "repository is not a repository name (printable ASCII, at most 512 characters)",
    })
  })

  it("refuses a repository that is not a string", () => {
    expect(verify("generic", bearer(SECRET, `{"repository":["acme/shop"]}`))._tag).toBe("BadRequest")
  })
})
