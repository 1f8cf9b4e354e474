import { describe, expect, it } from "vitest"
import { SECRET } from "../../support/webhookFixtures.ts"
import { verify } from "./support.ts"

const deliver = (event: string | undefined, payload: unknown, extra: Record<string, string> = {}) => ({
  body: typeof payload === "string" ? payload : JSON.stringify(payload),
  headers: {
    "x-gitlab-token": SECRET,
    ...(event === undefined ? {} : { "x-gitlab-event": event }),
    ...extra,
  },
})

const mr = (attributes: Record<string, unknown>) => ({
  object_kind: "merge_request",
  object_attributes: { target_branch: "main", source_branch: "feature", ...attributes },
})

describe("GitLab webhooks", () => {
  it("accepts a merge request merged into the tracked branch", () => {
    const delivery = deliver("Merge Request Hook", mr({ action: "merge", state: "merged" }), {
      "x-gitlab-event-uuid": "13792a34-cac6-4fda-95a8-c58e00a3954e",
    })
    expect(verify("gitlab", delivery)).toEqual({
      _tag: "Accepted",
      ref: "refs/heads/main",
      deliveryId: "13792a34-cac6-4fda-95a8-c58e00a3954e",
    })
  })

  it("takes Idempotency-Key as the delivery id when the event UUID is missing", () => {
    const delivery = deliver("Push Hook", { ref: "refs/heads/main" }, { "idempotency-key": "key-1" })
    expect(verify("gitlab", delivery)).toEqual({
      _tag: "Accepted",
      ref: "refs/heads/main",
      deliveryId: "key-1",
    })
  })

  it("accepts a merged state without an action (older GitLab)", () => {
    expect(verify("gitlab", deliver("Merge Request Hook", mr({ state: "merged" })))._tag).toBe("Accepted")
  })

  it.each([
    ["opened", mr({ action: "open", state: "opened" }), "merge request open is not a merge"],
    [
      "updated after merging",
      mr({ action: "update", state: "merged" }),
      "merge request update is not a merge",
    ],
    [
      "merged into another branch",
      mr({ action: "merge", state: "merged", target_branch: "dev" }),
      "refs/heads/dev is not the tracked ref",
    ],
  ])("ignores a merge request %s", (_, payload, reason) => {
    expect(verify("gitlab", deliver("Merge Request Hook", payload))).toEqual({ _tag: "Ignored", reason })
  })

  it("ignores the deletion of the tracked branch", () => {
    const payload = { ref: "refs/heads/main", after: "0".repeat(40), checkout_sha: null }
    expect(verify("gitlab", deliver("Push Hook", payload))).toEqual({
      _tag: "Ignored",
      reason: "refs/heads/main was deleted",
    })
  })

  it.each(["Tag Push Hook", "Issue Hook", "Pipeline Hook", "Note Hook"])("ignores %s", (event) => {
    expect(verify("gitlab", deliver(event, "{}"))).toEqual({
      _tag: "Ignored",
      reason: `event ${event} is not handled`,
    })
  })

  it("answers 400 when the event header is missing", () => {
    expect(verify("gitlab", deliver(undefined, {}))).toEqual({
      _tag: "BadRequest",
      reason: "missing X-Gitlab-Event header",
    })
  })

  it("answers 400 to a merge request payload of the wrong shape", () => {
    expect(verify("gitlab", deliver("Merge Request Hook", { object_attributes: "merged" }))).toEqual({
      _tag: "BadRequest",
      reason: "body is not a GitLab Merge Request Hook payload",
    })
  })

  it("authenticates before it parses", () => {
    expect(verify("gitlab", { body: "{", headers: { "x-gitlab-event": "Push Hook" } })._tag).toBe(
      "Unauthorized",
    )
  })

  // `project` as GitLab sends it (a subgroup), and the older `repository` it still sends on pushes.
  const project = {
    id: 15,
    name: "shop",
    web_url: "https://gitlab.example.com/acme/team/shop",
    git_ssh_url: "git@gitlab.example.com:acme/team/shop.git",
    git_http_url: "https://gitlab.example.com/acme/team/shop.git",
    namespace: "team",
    path_with_namespace: "acme/team/shop",
    ssh_url: "git@gitlab.example.com:acme/team/shop.git",
    http_url: "https://gitlab.example.com/acme/team/shop.git",
  }
  const repository = {
    name: "shop",
    url: "git@gitlab.example.com:acme/team/shop.git",
    homepage: "https://gitlab.example.com/acme/team/shop",
    git_http_url: "https://gitlab.example.com/acme/team/shop.git",
    git_ssh_url: "git@gitlab.example.com:acme/team/shop.git",
  }
  const names = [
    "acme/team/shop",
    "https://gitlab.example.com/acme/team/shop.git",
    "git@gitlab.example.com:acme/team/shop.git",
    "https://gitlab.example.com/acme/team/shop",
  ]

  it("names the project of a push: path_with_namespace and its URLs, each once", () => {
    const payload = { object_kind: "push", ref: "refs/heads/main", project, repository }
    expect(verify("gitlab", deliver("Push Hook", payload))).toMatchObject({
      _tag: "Accepted",
      repository: names,
    })
  })

  it("names the target project of a merge request, merged or not", () => {
    const merged = { ...mr({ action: "merge" }), project }
    expect(verify("gitlab", deliver("Merge Request Hook", merged))).toMatchObject({
      _tag: "Accepted",
      repository: names,
    })
    const opened = { ...mr({ action: "open" }), project }
    expect(verify("gitlab", deliver("Merge Request Hook", opened))).toMatchObject({
      _tag: "Ignored",
      repository: names,
    })
  })

  it("takes the older repository object alone", () => {
    const payload = { ref: "refs/heads/dev", repository }
    expect(verify("gitlab", deliver("Push Hook", payload))).toMatchObject({
      _tag: "Ignored",
      repository: [
        "https://gitlab.example.com/acme/team/shop.git",
        "git@gitlab.example.com:acme/team/shop.git",
        "https://gitlab.example.com/acme/team/shop",
      ],
    })
  })
})
