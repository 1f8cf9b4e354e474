import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { providers } from "../../../src/triggers/webhooks/providers.ts"
import { type RouteCandidate, routeDelivery } from "../../../src/triggers/webhooks/routeDelivery.ts"
import type { WebhookRequest } from "../../../src/triggers/webhooks/WebhookRequest.ts"
import { authHeaders } from "../../support/webhookFixtures.ts"

const SECRET_A = "secret-of-source-a"
const SECRET_B = "secret-of-source-b"
const MAIN = ["refs/heads/main"]

const source = (
  name: string,
  secret: string,
  repository: string | undefined,
  tracked: ReadonlyArray<string> = MAIN,
): RouteCandidate => ({ name, secret: Redacted.make(secret), tracked, repository })

const shop = source("shop", SECRET_A, "acme/shop")
const blog = source("blog", SECRET_B, "https://github.com/acme/blog.git")

const githubRepository = (fullName: string) => ({
  full_name: fullName,
  clone_url: `https://github.com/${fullName}.git`,
  ssh_url: `git@github.com:${fullName}.git`,
  html_url: `https://github.com/${fullName}`,
})

/** A GitHub push of `ref` to `repository` (an object, or none), signed with `secret`. */
const githubPush = (secret: string, repository: unknown, ref = "refs/heads/main"): WebhookRequest => {
  const body = JSON.stringify({ ref, after: "a".repeat(40), repository })
  return {
    body: new TextEncoder().encode(body),
    headers: { ...authHeaders("github", body, secret), "x-github-event": "push", "x-github-delivery": "d-1" },
  }
}

const route = (
  request: WebhookRequest,
  candidates: ReadonlyArray<RouteCandidate>,
  provider = providers.github,
) => routeDelivery(provider, request, candidates)

/** The sources a routing reached, with each verdict's tag. */
const reached = (routing: ReturnType<typeof routeDelivery>) =>
  routing._tag === "Routed" ? routing.deliveries.map((d) => [d.source, d.verdict._tag]) : routing._tag

describe("routeDelivery", () => {
  it("routes each source's delivery to that source only", () => {
    const candidates = [shop, blog]
    expect(reached(route(githubPush(SECRET_A, githubRepository("acme/shop")), candidates))).toEqual([
      ["shop", "Accepted"],
    ])
    expect(reached(route(githubPush(SECRET_B, githubRepository("acme/blog")), candidates))).toEqual([
      ["blog", "Accepted"],
    ])
  })

  it("keeps each selected source's own verdict and the payload's names", () => {
    const routing = route(githubPush(SECRET_A, githubRepository("acme/shop")), [shop, blog])
    expect(routing).toEqual({
      _tag: "Routed",
      deliveries: [
        {
          source: "shop",
          verdict: {
            _tag: "Accepted",
            ref: "refs/heads/main",
            deliveryId: "d-1",
            repository: [
              "acme/shop",
              "https://github.com/acme/shop.git",
              "git@github.com:acme/shop.git",
              "https://github.com/acme/shop",
            ],
          },
        },
      ],
    })
  })

  it("refuses a delivery signed with one source's secret that names another source's repository", () => {
    expect(route(githubPush(SECRET_A, githubRepository("acme/blog")), [shop, blog])).toEqual({
      _tag: "Unauthorized",
      reason: "signed with a secret that is not the secret of the source(s) following acme/blog",
    })
  })

  it("lets the repository choose among sources that share a secret", () => {
    const shared = [source("shop", SECRET_A, "acme/shop"), source("blog", SECRET_A, "acme/blog")]
    expect(reached(route(githubPush(SECRET_A, githubRepository("acme/blog")), shared))).toEqual([
      ["blog", "Accepted"],
    ])
  })

  it("reaches every source that follows the repository with that secret, each deciding by its own refs", () => {
    const two = [
      source("shop-main", SECRET_A, "acme/shop"),
      source("shop-staging", SECRET_A, "git@github.com:acme/shop.git", ["refs/heads/staging"]),
      source("shop-b", SECRET_B, "acme/shop"),
    ]
    expect(reached(route(githubPush(SECRET_A, githubRepository("acme/shop")), two))).toEqual([
      ["shop-main", "Accepted"],
      ["shop-staging", "Ignored"],
    ])
  })

  it.each([
    ["its owner/name in another case", "ACME/Shop"],
    ["its https clone URL", "https://github.com/acme/shop.git"],
    ["its web URL with a trailing slash", "https://GITHUB.com/acme/shop/"],
    ["its scp-like ssh URL", "git@github.com:acme/shop.git"],
    ["an ssh:// URL with a port", "ssh://git@github.com:22/acme/shop"],
  ])("finds the source that follows the repository by %s", (_, repository) => {
    const candidates = [source("shop", SECRET_A, repository), blog]
    expect(reached(route(githubPush(SECRET_A, githubRepository("Acme/Shop")), candidates))).toEqual([
      ["shop", "Accepted"],
    ])
  })

  it("follows a GitLab subgroup project by its whole path", () => {
    const body = JSON.stringify({
      object_kind: "push",
      ref: "refs/heads/main",
      checkout_sha: "a".repeat(40),
      project: {
        path_with_namespace: "acme/team/shop",
        git_http_url: "https://gitlab.example.com/acme/team/shop.git",
        git_ssh_url: "git@gitlab.example.com:acme/team/shop.git",
        web_url: "https://gitlab.example.com/acme/team/shop",
      },
    })
    const request = {
      body: new TextEncoder().encode(body),
      headers: { ...authHeaders("gitlab", body, SECRET_A), "x-gitlab-event": "Push Hook" },
    }
    const candidates = [
      source("team-shop", SECRET_A, "acme/team/shop"),
      source("other-shop", SECRET_A, "other/team/shop"),
      source("short", SECRET_A, "team/shop"),
    ]
    expect(reached(route(request, candidates, providers.gitlab))).toEqual([["team-shop", "Accepted"]])
  })

  it("ignores (2xx) a delivery for a repository no source follows", () => {
    expect(route(githubPush(SECRET_A, githubRepository("acme/other")), [shop, blog])).toEqual({
      _tag: "Unrouted",
      verdict: {
        _tag: "Ignored",
        reason: "no source follows acme/other",
        repository: [
          "acme/other",
          "https://github.com/acme/other.git",
          "git@github.com:acme/other.git",
          "https://github.com/acme/other",
        ],
      },
    })
  })

  it("sends a delivery that names no repository to every source it authenticates for, and only those", () => {
    const candidates = [shop, source("shop-too", SECRET_A, "acme/shop-too"), blog]
    expect(reached(route(githubPush(SECRET_A, undefined), candidates))).toEqual([
      ["shop", "Accepted"],
      ["shop-too", "Accepted"],
    ])
  })

  it("reaches a source without a repository (a directory) only when the delivery names none", () => {
    const dir = source("dir", SECRET_A, undefined, [])
    const generic = (body: string): WebhookRequest => ({
      body: new TextEncoder().encode(body),
      headers: { authorization: `Bearer ${SECRET_A}` },
    })
    expect(reached(route(generic(""), [dir], providers.generic))).toEqual([["dir", "Accepted"]])
    expect(route(generic(`{"repository":"acme/shop"}`), [dir], providers.generic)._tag).toBe("Unrouted")
  })

  it("takes the generic hook's repository like a forge's", () => {
    const generic = (secret: string): WebhookRequest => ({
      body: new TextEncoder().encode(`{"repository":"acme/blog"}`),
      headers: { authorization: `Bearer ${secret}` },
    })
    expect(reached(route(generic(SECRET_B), [shop, blog], providers.generic))).toEqual([["blog", "Accepted"]])
    expect(route(generic(SECRET_A), [shop, blog], providers.generic)._tag).toBe("Unauthorized")
  })

  it("treats hostile names as none: the delivery still reaches only the sources whose secret signed it", () => {
    const hostile = { full_name: "acme/blog\u001b[2K", clone_url: `https://github.com/${"x".repeat(600)}` }
    expect(reached(route(githubPush(SECRET_A, hostile), [shop, blog]))).toEqual([["shop", "Accepted"]])
  })

  it("keeps a hostile repository out of the refusal reason", () => {
    const long = `acme/${"b".repeat(400)}`
    const candidates = [shop, source("long", SECRET_B, long)]
    const routing = route(githubPush(SECRET_A, { full_name: long }), candidates)
    expect(routing._tag).toBe("Unauthorized")
    expect(routing._tag === "Unauthorized" && routing.reason.length).toBeLessThan(200)
  })

  it("sends an authenticated but malformed delivery to the sources it authenticates for", () => {
    const body = "{"
    const request = {
      body: new TextEncoder().encode(body),
      headers: { ...authHeaders("github", body, SECRET_B), "x-github-event": "push" },
    }
    expect(reached(route(request, [shop, blog]))).toEqual([["blog", "BadRequest"]])
  })

  it("sends an image push to every source its secret authenticates, repository or not", () => {
    const body = JSON.stringify({
      events: [
        { action: "push", target: { repository: "team/app", tag: "v1" }, request: { host: "reg:5000" } },
      ],
    })
    const request = {
      body: new TextEncoder().encode(body),
      headers: { authorization: `Bearer ${SECRET_A}` },
    }
    const candidates = [shop, source("dir", SECRET_A, undefined, []), blog]
    expect(reached(route(request, candidates, providers.registry))).toEqual([
      ["shop", "ImagesPushed"],
      ["dir", "ImagesPushed"],
    ])
  })

  it("refuses what no secret authenticates with the provider's reason, naming no source", () => {
    const forged = githubPush("not-a-configured-secret", githubRepository("acme/shop"))
    const one = route(forged, [shop])
    const many = route(forged, [shop, blog, source("x", "another", "acme/x")])
    expect(one).toEqual({ _tag: "Unauthorized", reason: "X-Hub-Signature-256 does not match the body" })
    expect(many).toEqual(one)
    expect(route({ body: new Uint8Array(), headers: {} }, [shop, blog])).toEqual({
      _tag: "Unauthorized",
      reason: "missing X-Hub-Signature-256 header",
    })
  })

  it("refuses everything when there is no candidate", () => {
    expect(route(githubPush(SECRET_A, githubRepository("acme/shop")), [])._tag).toBe("Unauthorized")
  })
})
