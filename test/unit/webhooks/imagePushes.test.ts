import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { providers } from "../../../src/triggers/webhooks/providers.ts"
import { hmacHex, SECRET } from "../../support/webhookFixtures.ts"
import { MAIN } from "./support.ts"

const run = (
  provider: keyof typeof providers,
  body: unknown,
  headers: Record<string, string>,
  query?: Record<string, string>,
) =>
  providers[provider].verify(
    {
      headers,
      body: new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
      ...(query === undefined ? {} : { query }),
    },
    Redacted.make(SECRET),
    MAIN,
  )

const bearer = { authorization: `Bearer ${SECRET}` }

/** A distribution server's envelope: a manifest push by tag, then its layer push (no tag). */
const envelope = {
  events: [
    {
      id: "320678d8-ca14-430f-8bb6-4ca139cd83f7",
      timestamp: "2026-12-04T03:00:00Z",
      action: "push",
      target: {
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        size: 708,
        digest: "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf",
        length: 708,
        repository: "team/app",
        url: "http://127.0.0.1:5000/v2/team/app/manifests/sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf",
        tag: "v2",
      },
      request: {
        id: "r1",
        addr: "127.0.0.1:40000",
        host: "127.0.0.1:5000",
        method: "PUT",
        useragent: "docker/20.10",
      },
      actor: {},
      source: { addr: "host:5000", instanceID: "i1" },
    },
    {
      id: "a2",
      action: "push",
      target: {
        mediaType: "application/octet-stream",
        digest: "sha256:ab",
        repository: "team/app",
        url: "http://x",
      },
      request: { host: "127.0.0.1:5000" },
    },
    {
      id: "a3",
      action: "pull",
      target: { repository: "team/other", tag: "v1" },
      request: { host: "127.0.0.1:5000" },
    },
  ],
}

describe("image pushes", () => {
  it("reads the registry's notification: tag pushes only, at the host the pusher used", () => {
    expect(run("registry", envelope, bearer)).toEqual({
      _tag: "ImagesPushed",
      images: ["127.0.0.1:5000/team/app:v2"],
      deliveryId: "320678d8-ca14-430f-8bb6-4ca139cd83f7",
      // The registry notifies before it moves the tag: the digest it names is taken as is.
      digests: {
        "127.0.0.1:5000/team/app:v2": {
          digest: "sha256:fea8895f450959fa676bcc1df0611ea93823a735a01205fd8622846041d0c7cf",
          at: Date.parse("2026-12-04T03:00:00Z"),
        },
      },
    })
    expect(run("registry", { events: [envelope.events[1]] }, bearer)).toEqual({
      _tag: "Ignored",
      reason: "the registry notification names no tagged image",
    })
  })

  it.each([
    ["no Authorization", {}, "missing Authorization header"],
    ["another token", { authorization: "Bearer nope" }, "bearer token does not match the secret"],
    ["the secret without Bearer", { authorization: SECRET }, "Authorization is not a Bearer token"],
  ])("refuses a registry notification with %s, before reading it", (_, headers, reason) => {
    expect(run("registry", "not json", headers)).toEqual({ _tag: "Unauthorized", reason })
  })

  it("reads Docker Hub's push with the secret in the URL, and refuses it without", () => {
    const push = {
      callback_url: "https://registry.hub.docker.com/u/me/app/hook/x/",
      push_data: { pushed_at: 1417566161, pusher: "me", tag: "latest" },
      repository: { repo_name: "me/app", namespace: "me", name: "app", status: "Active" },
    }
    expect(run("dockerhub", push, {}, { token: SECRET })).toEqual({
      _tag: "ImagesPushed",
      images: ["me/app:latest"],
      deliveryId: undefined,
    })
    expect(run("dockerhub", push, {}, { token: "nope" })).toMatchObject({ _tag: "Unauthorized" })
    expect(run("dockerhub", push, bearer)).toEqual({
      _tag: "Unauthorized",
      reason: "missing ?token= in the URL",
    })
  })

  it("reads Harbor's PUSH_ARTIFACT with its auth header as it is or as a bearer token", () => {
    const push = {
      type: "PUSH_ARTIFACT",
      occur_at: 1680501893,
      operator: "admin",
      event_data: {
        resources: [
          { digest: "sha256:aa", tag: "v1", resource_url: "harbor.example:8443/library/app:v1" },
          { digest: "sha256:aa", tag: "stable", resource_url: "harbor.example:8443/library/app:stable" },
        ],
        repository: {
          name: "app",
          namespace: "library",
          repo_full_name: "library/app",
          repo_type: "private",
        },
      },
    }
    const pushed = {
      _tag: "ImagesPushed",
      images: ["harbor.example:8443/library/app:v1", "harbor.example:8443/library/app:stable"],
      deliveryId: undefined,
    }
    expect(run("harbor", push, { authorization: SECRET })).toEqual(pushed)
    expect(run("harbor", push, bearer)).toEqual(pushed)
    expect(run("harbor", { ...push, type: "PULL_ARTIFACT" }, bearer)).toEqual({
      _tag: "Ignored",
      reason: "event PULL_ARTIFACT is not a push",
    })
  })

  const github = (event: string, body: unknown) => {
    const text = JSON.stringify(body)
    return run("github", text, { "x-github-event": event, "x-hub-signature-256": `sha256=${hmacHex(text)}` })
  }
  const ghcrVersion = {
    version: "sha256:3c5b",
    package_url: "ghcr.io/me/app:v3",
    container_metadata: { tag: { name: "v3", digest: "sha256:3c5b" }, labels: {}, manifest: {} },
  }

  it("reads GitHub's package and registry_package events for a container version", () => {
    const pkg = { name: "app", namespace: "me", package_type: "CONTAINER", owner: { login: "me" } }
    expect(
      github("package", { action: "published", package: { ...pkg, package_version: ghcrVersion } }),
    ).toEqual({
      _tag: "ImagesPushed",
      images: ["ghcr.io/me/app:v3"],
      deliveryId: undefined,
    })
    expect(
      github("registry_package", {
        action: "updated",
        registry_package: {
          ...pkg,
          package_type: "container",
          registry: { url: "https://ghcr.io/me" },
          package_version: ghcrVersion,
        },
      }),
    ).toMatchObject({ _tag: "ImagesPushed", images: ["ghcr.io/me/app:v3"] })
    expect(github("package", { action: "published", package: { ...pkg, package_type: "npm" } })).toEqual({
      _tag: "Ignored",
      reason: "package type npm is not an image",
    })
    const untagged = {
      ...ghcrVersion,
      package_url: "ghcr.io/me/app",
      container_metadata: { tag: { name: "", digest: "x" } },
    }
    expect(
      github("package", { action: "published", package: { ...pkg, package_version: untagged } }),
    ).toEqual({
      _tag: "Ignored",
      reason: "GitHub package names no tagged image",
    })
  })

  it("reads Gitea's package event for a container version, ignoring per-platform digests", () => {
    const gitea = (body: unknown) => {
      const text = JSON.stringify(body)
      return run("gitea", text, { "x-gitea-event": "package", "x-gitea-signature": hmacHex(text) })
    }
    const created = (version: string) => ({
      action: "created",
      repository: null,
      package: {
        id: 7,
        owner: { id: 1, login: "me", username: "me" },
        type: "container",
        name: "app",
        version,
        html_url: `http://127.0.0.1:3000/me/-/packages/container/app/${version}`,
      },
      sender: { login: "me" },
    })
    expect(gitea(created("v4"))).toEqual({
      _tag: "ImagesPushed",
      images: ["127.0.0.1:3000/me/app:v4"],
      deliveryId: undefined,
    })
    expect(gitea(created("sha256:0123"))).toMatchObject({ _tag: "Ignored" })
    expect(gitea({ ...created("v4"), action: "deleted" })).toEqual({
      _tag: "Ignored",
      reason: "package deleted is not a push",
    })
  })

  it("answers a malformed authenticated body with BadRequest, never a throw", () => {
    for (const body of ["{", "[]", '{"events":"x"}', '{"events":[{"action":"push"}]}'])
      expect(run("registry", body, bearer)).toMatchObject({ _tag: "BadRequest" })
  })
})
