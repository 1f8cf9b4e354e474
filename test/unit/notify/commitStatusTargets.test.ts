import { describe, expect, it } from "vitest"
import type { NotifyEvent, NotifyKind } from "../../../src/notify/NotifyEvent.ts"
import { parseTarget } from "../../../src/notify/targets/parseTarget.ts"

const sha = "0123456789abcdef0123456789abcdef01234567"
const rollout = (kind: NotifyKind, over: Partial<NotifyEvent> = {}): NotifyEvent => ({
  kind,
  severity: kind === "RolloutFailed" ? "error" : kind === "RolloutSucceeded" ? "success" : "info",
  source: "main",
  fleet: "shop",
  revision: sha,
  title: `revision 0123456789ab ${kind} (fleet shop)`,
  at: "2026-12-04T10:00:00.000Z",
  key: kind,
  ...over,
})
const page = "https://fleetd.example/"

const target = (url: string) => {
  const parsed = parseTarget(url, 0)
  if (parsed instanceof Error) throw parsed
  return parsed
}
const send = (url: string, event: NotifyEvent, withPage = true) => {
  const request = target(url).request(event, withPage ? page : undefined)
  return { ...request, json: JSON.parse(request.body) as Record<string, unknown> }
}

describe("forge commit-status targets", () => {
  it("github-status:// posts to api.github.com, or HOST/api/v3 for GitHub Enterprise", () => {
    const got = send("github-status://ghp_tok@github.com/acme/fleet", rollout("RolloutStarted"))
    expect(got.method).toBe("POST")
    expect(got.url).toBe(`https://api.github.com/repos/acme/fleet/statuses/${sha}`)
    expect(got.headers).toMatchObject({
      authorization: "Bearer ghp_tok",
      accept: "application/vnd.github+json",
      "x-github-api-version": "2022-11-28",
      "content-type": "application/json",
    })
    expect(got.headers["user-agent"]).toBeDefined()
    expect(got.json).toEqual({
      state: "pending",
      target_url: page,
      description: rollout("RolloutStarted").title,
      context: "fleetd/main",
    })
    expect(send("github-status://t@ghe.example/acme/fleet", rollout("RolloutSucceeded")).url).toBe(
      `https://ghe.example/api/v3/repos/acme/fleet/statuses/${sha}`,
    )
    expect(
      send("github-status://t@github.com/acme/fleet?base=http://127.0.0.1:9000", rollout("RolloutFailed"))
        .url,
    ).toBe(`http://127.0.0.1:9000/repos/acme/fleet/statuses/${sha}`)
  })

  it("github-status:// and gitea-status:// send pending, success and failure; gitlab running, success, failed", () => {
    const states = (url: string, field = "state") =>
      (["RolloutStarted", "RolloutSucceeded", "RolloutFailed"] as const).map(
        (kind) => send(url, rollout(kind)).json[field],
      )
    expect(states("github-status://t@github.com/a/b")).toEqual(["pending", "success", "failure"])
    expect(states("gitea-status://t@git.example/a/b")).toEqual(["pending", "success", "failure"])
    expect(states("gitlab-status://t@gitlab.example/a/b")).toEqual(["running", "success", "failed"])
  })

  it("gitea-status:// posts to /api/v1/repos/OWNER/REPO/statuses/SHA with `token` auth, under a sub-path", () => {
    const got = send(
      "gitea-status://tok@git.example:3000/forge/acme/fleet",
      rollout("RolloutFailed", { detail: "web: rolled back" }),
    )
    expect(got.url).toBe(`https://git.example:3000/forge/api/v1/repos/acme/fleet/statuses/${sha}`)
    expect(got.headers["authorization"]).toBe("token tok")
    expect(got.json).toEqual({
      state: "failure",
      target_url: page,
      description: `${rollout("RolloutFailed").title}: web: rolled back`,
      context: "fleetd/main",
    })
  })

  it("gitlab-status:// posts to /api/v4/projects/ENCODED_PATH/statuses/SHA with PRIVATE-TOKEN and `name`", () => {
    const got = send(
      "gitlab-status://glpat-x@gitlab.example/group/sub/fleet",
      rollout("RolloutSucceeded"),
      false,
    )
    expect(got.url).toBe(`https://gitlab.example/api/v4/projects/group%2Fsub%2Ffleet/statuses/${sha}`)
    expect(got.headers["private-token"]).toBe("glpat-x")
    expect(got.json).toEqual({
      state: "success",
      name: "fleetd/main",
      description: rollout("RolloutSucceeded").title,
    })
    expect(send("gitlab-status://t@gitlab.example/42", rollout("RolloutStarted")).url).toBe(
      `https://gitlab.example/api/v4/projects/42/statuses/${sha}`,
    )
  })

  it("a long description is cut to 140 characters", () => {
    const got = send("gitea-status://t@g.example/a/b", rollout("RolloutFailed", { detail: "x".repeat(500) }))
    expect((got.json["description"] as string).length).toBe(140)
  })

  it("takes only rollout events of a git commit; message targets take every other event", () => {
    const forge = target("gitea-status://t@g.example/a/b")
    expect(forge.accepts?.(rollout("RolloutStarted"))).toBe(true)
    expect(forge.accepts?.(rollout("RolloutStarted", { revision: "dir-content-hash" }))).toBe(false)
    expect(forge.accepts?.(rollout("ServiceRolledBack"))).toBe(false)
    expect(target("json://127.0.0.1/x").accepts).toBeUndefined()
  })
})
