import { createHmac } from "node:crypto"
import { describe, expect, it } from "vitest"
import type { NotifyEvent } from "../../../src/notify/NotifyEvent.ts"
import { TargetUrlError } from "../../../src/notify/targets/NotifyTarget.ts"
import { parseTarget, splitTargetUrls } from "../../../src/notify/targets/parseTarget.ts"

const event: NotifyEvent = {
  kind: "ServiceRolledBack",
  severity: "error",
  source: "main",
  fleet: "shop",
  service: "web",
  revision: "abc123",
  title: "web was rolled back (fleet shop, revision abc123)",
  detail: "health gate failed",
  at: "2026-12-04T10:00:00.000Z",
  key: "k",
}
const page = "https://fleetd.example/"

const build = (url: string) => {
  const target = parseTarget(url, 0)
  if (target instanceof Error) throw target
  const request = target.request(event, page)
  return { target, request, body: JSON.parse(request.body) as Record<string, unknown> }
}

describe("notification targets", () => {
  it("json:// posts the event, signed with the secret, which is not sent", () => {
    const { target, request, body } = build("json://127.0.0.1:9000/hook?secret=s3cret&x=1")
    expect(target.label).toBe("json #1")
    expect(request.url).toBe("http://127.0.0.1:9000/hook?x=1")
    const { key: _key, ...fields } = event
    expect(body).toEqual({ ...fields, url: page })
    expect(request.headers["x-fleetd-signature"]).toBe(
      `sha256=${createHmac("sha256", "s3cret").update(request.body).digest("hex")}`,
    )
    expect(build("jsons://h.example/p").request.url).toBe("https://h.example/p")
    expect(build("json://h.example/p").request.headers["x-fleetd-signature"]).toBeUndefined()
  })

  it("slack:// posts text to the incoming webhook; base= sends it elsewhere", () => {
    const { request, body } = build("slack://T000/B000/XXXX")
    expect(request.url).toBe("https://hooks.slack.com/services/T000/B000/XXXX")
    expect(body).toEqual({ text: `${event.title}\nhealth gate failed\n${page}` })
    expect(build("slack://T000/B000/XXXX?base=http://127.0.0.1:9000").request.url).toBe(
      "http://127.0.0.1:9000/services/T000/B000/XXXX",
    )
  })

  it("discord:// posts content to the webhook", () => {
    const { request, body } = build("discord://tok-en@123456")
    expect(request.url).toBe("https://discord.com/api/webhooks/123456/tok-en")
    expect(body).toEqual({ content: `${event.title}\nhealth gate failed\n${page}` })
  })

  it("ntfy:// publishes JSON to the server's root with the topic", () => {
    const { request, body } = build("ntfys://ntfy.example/alerts?token=tk_1")
    expect(request.url).toBe("https://ntfy.example/")
    expect(request.headers["authorization"]).toBe("Bearer tk_1")
    expect(body).toEqual({
      topic: "alerts",
      title: event.title,
      message: "health gate failed",
      priority: 5,
      tags: ["rotating_light"],
      click: page,
    })
    expect(build("ntfy://u:p@127.0.0.1:81/t").request.headers["authorization"]).toBe(
      `Basic ${Buffer.from("u:p").toString("base64")}`,
    )
  })

  it("gotify:// posts to /message with the app token header", () => {
    const { request, body } = build("gotify://127.0.0.1:8080/sub/AbC.d")
    expect(request.url).toBe("http://127.0.0.1:8080/sub/message")
    expect(request.headers["x-gotify-key"]).toBe("AbC.d")
    expect(body).toEqual({
      title: event.title,
      message: "health gate failed",
      priority: 8,
      extras: { "client::notification": { click: { url: page } } },
    })
  })

  it("without a public URL, no link", () => {
    const target = parseTarget("json://127.0.0.1/x", 0)
    if (target instanceof Error) throw target
    expect(JSON.parse(target.request(event, undefined).body).url).toBeUndefined()
  })

  it("refuses bad URLs by place and scheme, never repeating them", () => {
    const cases: ReadonlyArray<[string, string]> = [
      ["not a url", "notification URL #3 is not a URL"],
      ["smtp://secret@host", "notification URL #3: unknown scheme smtp"],
      ["bitbucket-status://secret@bitbucket.org/o/r", "unknown scheme bitbucket-status"],
      ["github-status://github.com/secret/r", "github-status:// takes a token and a host"],
      ["github-status://secret@github.com/o", "github-status:// names one repository"],
      ["gitea-status://secret@git.example/o", "gitea-status:// names one repository"],
      ["gitlab-status://secret@gitlab.example", "gitlab-status:// names one project"],
      ["slack://secret/only-two", "slack:// takes the webhook's three tokens"],
      ["discord://secretid", "discord:// takes the webhook's token and id"],
      ["ntfy://host/secret/extra", "ntfy:// takes one topic"],
      ["gotify://host", "gotify:// needs the application token"],
      ["slack://a/b/secret?base=ftp://x", "base= must be http(s)"],
    ]
    for (const [url, message] of cases) {
      const result = parseTarget(url, 2)
      expect(result).toBeInstanceOf(TargetUrlError)
      expect((result as Error).message).toContain(message)
      expect((result as Error).message).not.toContain("secret")
    }
  })

  it("splits FLEETD_NOTIFY_URLS on commas and newlines", () => {
    expect(splitTargetUrls("json://a/x, ntfy://b/t\n\n# note\ngotify://c/t\n")).toEqual([
      "json://a/x",
      "ntfy://b/t",
      "gotify://c/t",
    ])
  })
})
