import { describe, expect, it } from "vitest"
import { hmacHex } from "../../support/webhookFixtures.ts"
import { verify } from "./support.ts"

const deliver = (event: string, payload: unknown, extra: Record<string, string> = {}) => {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload)
  return { body, headers: { "x-hub-signature": `sha256=${hmacHex(body)}`, "x-event-key": event, ...extra } }
}

const cloudPush = (...changes: ReadonlyArray<{ type: string; name: string } | null>) => ({
  push: { changes: changes.map((n) => ({ new: n, old: null })) },
})

const serverPush = (...changes: ReadonlyArray<[string, string]>) => ({
  changes: changes.map(([id, type]) => ({
    ref: { id, displayId: id.split("/").pop(), type: "BRANCH" },
    type,
  })),
})

describe("Bitbucket webhooks", () => {
  it("takes X-Request-UUID as the delivery id, never the per-hook X-Hook-UUID", () => {
    const delivery = deliver("repo:push", cloudPush({ type: "branch", name: "main" }), {
      "x-hook-uuid": "{hook-the-same-for-every-delivery}",
      "x-request-uuid": "req-1",
    })
    expect(verify("bitbucket", delivery)).toEqual({
      _tag: "Accepted",
      ref: "refs/heads/main",
      deliveryId: "req-1",
    })
  })

  it("accepts a Cloud push whose changes include the tracked branch", () => {
    const payload = cloudPush({ type: "branch", name: "dev" }, { type: "branch", name: "main" })
    expect(verify("bitbucket", deliver("repo:push", payload))._tag).toBe("Accepted")
  })

  it("ignores a Cloud push that only deleted the tracked branch", () => {
    expect(verify("bitbucket", deliver("repo:push", cloudPush(null)))).toEqual({
      _tag: "Ignored",
      reason: "push changed no existing ref",
    })
  })

  it("accepts a Server refs_changed update of the tracked branch (X-Request-Id)", () => {
    const delivery = deliver("repo:refs_changed", serverPush(["refs/heads/main", "UPDATE"]), {
      "x-request-id": "srv-1",
    })
    expect(verify("bitbucket", delivery)).toEqual({
      _tag: "Accepted",
      ref: "refs/heads/main",
      deliveryId: "srv-1",
    })
  })

  it.each([
    [
      "a deletion of the tracked branch",
      serverPush(["refs/heads/main", "DELETE"]),
      "push changed no existing ref",
    ],
    ["another branch", serverPush(["refs/heads/dev", "UPDATE"]), "refs/heads/dev is not the tracked ref"],
    ["a tag", serverPush(["refs/tags/v2", "ADD"]), "tag refs/tags/v2 is not tracked"],
  ])("ignores a Server refs_changed of %s", (_, payload, reason) => {
    expect(verify("bitbucket", deliver("repo:refs_changed", payload))).toEqual({ _tag: "Ignored", reason })
  })

  it("accepts a Cloud pull request fulfilled into the tracked branch", () => {
    const payload = { pullrequest: { state: "MERGED", destination: { branch: { name: "main" } } } }
    expect(verify("bitbucket", deliver("pullrequest:fulfilled", payload))._tag).toBe("Accepted")
  })

  it("accepts a Server pull request merged into the tracked branch", () => {
    const payload = { pullRequest: { toRef: { id: "refs/heads/main", displayId: "main" } } }
    expect(verify("bitbucket", deliver("pr:merged", payload))._tag).toBe("Accepted")
  })

  it("ignores a pull request merged into another branch", () => {
    const payload = { pullrequest: { destination: { branch: { name: "release" } } } }
    expect(verify("bitbucket", deliver("pullrequest:fulfilled", payload))).toEqual({
      _tag: "Ignored",
      reason: "refs/heads/release is not the tracked ref",
    })
  })

  it("answers the Server test connection with a pong", () => {
    expect(verify("bitbucket", deliver("diagnostics:ping", "{}"))).toEqual({ _tag: "Pong" })
  })

  it.each(["pullrequest:created", "pr:opened", "repo:commit_comment_created"])("ignores %s", (event) => {
    expect(verify("bitbucket", deliver(event, "{}"))).toEqual({
      _tag: "Ignored",
      reason: `event ${event} is not handled`,
    })
  })

  it("answers 400 to a Server merge payload of the wrong shape", () => {
    expect(verify("bitbucket", deliver("pr:merged", { pullRequest: { toRef: "main" } }))).toEqual({
      _tag: "BadRequest",
      reason: "body is not a Bitbucket pr:merged payload",
    })
  })

  it("names a Cloud repository: full_name and its web link (Cloud sends no clone URL)", () => {
    const repository = {
      type: "repository",
      full_name: "acme/shop",
      name: "shop",
      uuid: "{5a1c2b3d-0000-4000-8000-000000000000}",
      links: {
        self: { href: "https://api.bitbucket.org/2.0/repositories/acme/shop" },
        html: { href: "https://bitbucket.org/acme/shop" },
      },
    }
    const push = { ...cloudPush({ type: "branch", name: "main" }), repository }
    expect(verify("bitbucket", deliver("repo:push", push))).toMatchObject({
      _tag: "Accepted",
      repository: ["acme/shop", "https://bitbucket.org/acme/shop"],
    })
    const merged = { pullrequest: { destination: { branch: { name: "dev" } } }, repository }
    expect(verify("bitbucket", deliver("pullrequest:fulfilled", merged))).toMatchObject({
      _tag: "Ignored",
      repository: ["acme/shop", "https://bitbucket.org/acme/shop"],
    })
  })

  // Bitbucket Server / Data Center's repository entity.
  const serverRepository = {
    slug: "shop",
    id: 656,
    name: "shop",
    project: { key: "ACME", id: 389, name: "Acme" },
    links: {
      clone: [
        { href: "ssh://git@bitbucket.example.com:7999/acme/shop.git", name: "ssh" },
        { href: "https://bitbucket.example.com/scm/acme/shop.git", name: "http" },
      ],
      self: [{ href: "https://bitbucket.example.com/projects/ACME/repos/shop/browse" }],
    },
  }
  const serverNames = [
    "ACME/shop",
    "ssh://git@bitbucket.example.com:7999/acme/shop.git",
    "https://bitbucket.example.com/scm/acme/shop.git",
  ]

  it("names a Server repository: PROJECT/slug and its clone links", () => {
    const push = { ...serverPush(["refs/heads/main", "UPDATE"]), repository: serverRepository }
    expect(verify("bitbucket", deliver("repo:refs_changed", push))).toMatchObject({
      _tag: "Accepted",
      repository: serverNames,
    })
  })

  it("names the target repository of a Server pr:merged", () => {
    const merged = { pullRequest: { toRef: { id: "refs/heads/main", repository: serverRepository } } }
    expect(verify("bitbucket", deliver("pr:merged", merged))).toMatchObject({
      _tag: "Accepted",
      repository: serverNames,
    })
  })

  it("keeps a bounded number of clone links", () => {
    const clone = Array.from({ length: 100 }, (_, i) => ({ href: `https://h/scm/p/r${i}.git` }))
    const push = { ...serverPush(["refs/heads/main", "UPDATE"]), repository: { links: { clone } } }
    const verdict = verify("bitbucket", deliver("repo:refs_changed", push))
    expect(verdict._tag === "Accepted" && verdict.repository?.length).toBe(16)
  })
})
