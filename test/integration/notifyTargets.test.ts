import { createHmac } from "node:crypto"
import { Duration, Effect, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { defaultNotifierOptions, Notifier } from "../../src/notify/Notifier.ts"
import type { NotifyEvent } from "../../src/notify/NotifyEvent.ts"
import { parseTargets } from "../../src/notify/parseTargets.ts"
import { sendRequest } from "../../src/notify/sendRequest.ts"
import { defaultNoticeOptions } from "../../src/notify/stateChanges.ts"
import { freePort } from "../support/freePort.ts"
import { startReceiver } from "../support/notifyReceiver.ts"

const event: NotifyEvent = {
  kind: "ServiceRecovered",
  severity: "success",
  source: "default",
  fleet: "shop",
  service: "web",
  revision: "0123456789abcdef0123456789abcdef01234567",
  title: "web recovered (fleet shop, revision 0123456789ab)",
  at: "2026-12-04T10:00:00.000Z",
  key: "k",
}
const page = "http://127.0.0.1:8080/"

let receiver: Awaited<ReturnType<typeof startReceiver>>
beforeAll(async () => {
  receiver = await startReceiver()
})
afterAll(() => receiver.close())

/** Sends the event to the one target `url` for real and returns what the receiver got. */
const deliver = async (url: string, sent: NotifyEvent = event) => {
  const parsed = parseTargets(url)
  if ("problem" in parsed) throw new Error(parsed.problem)
  const before = receiver.received.length
  const exit = await Effect.runPromiseExit(sendRequest(parsed.targets[0]!.request(sent, page)))
  expect(Exit.isSuccess(exit)).toBe(true)
  expect(receiver.received.length).toBe(before + 1)
  const got = receiver.received[before]!
  return { ...got, json: JSON.parse(got.body) as Record<string, unknown> }
}

describe("notification targets against a receiver on loopback", () => {
  it("json:// posts the event with its HMAC signature", async () => {
    const got = await deliver(`json://127.0.0.1:${receiver.port}/hooks/fleetd?secret=topsecret&team=ops`)
    expect(got.method).toBe("POST")
    expect(got.path).toBe("/hooks/fleetd?team=ops")
    expect(got.headers["content-type"]).toBe("application/json")
    expect(got.headers["x-fleetd-signature"]).toBe(
      `sha256=${createHmac("sha256", "topsecret").update(got.body).digest("hex")}`,
    )
    expect(got.json).toMatchObject({ kind: "ServiceRecovered", fleet: "shop", service: "web", url: page })
  })

  it("slack:// posts text to /services/A/B/C", async () => {
    const got = await deliver(`slack://TA/TB/TC?base=http://127.0.0.1:${receiver.port}`)
    expect(got.path).toBe("/services/TA/TB/TC")
    expect(got.json).toEqual({ text: `${event.title}\n${page}` })
  })

  it("discord:// posts content to /api/webhooks/ID/TOKEN", async () => {
    const got = await deliver(`discord://tok@42?base=http://127.0.0.1:${receiver.port}`)
    expect(got.path).toBe("/api/webhooks/42/tok")
    expect(got.json).toEqual({ content: `${event.title}\n${page}` })
  })

  it("ntfy:// publishes JSON to the root, with basic auth", async () => {
    const got = await deliver(`ntfy://al:pw@127.0.0.1:${receiver.port}/deploys`)
    expect(got.path).toBe("/")
    expect(got.headers.authorization).toBe(`Basic ${Buffer.from("al:pw").toString("base64")}`)
    expect(got.json).toEqual({
      topic: "deploys",
      title: event.title,
      message: event.title,
      priority: 3,
      tags: ["white_check_mark"],
      click: page,
    })
  })

  it("gotify:// posts to /message with X-Gotify-Key", async () => {
    const got = await deliver(`gotify://127.0.0.1:${receiver.port}/AppTok.1`)
    expect(got.path).toBe("/message")
    expect(got.headers["x-gotify-key"]).toBe("AppTok.1")
    expect(got.json).toMatchObject({ title: event.title, message: event.title, priority: 5 })
  })

  it("a target that answers 500 or refuses the connection is reported failing, without its URL", async () => {
    const closed = await freePort()
    const parsed = parseTargets(
      `json://127.0.0.1:${receiver.port}/down?secret=zzz, json://tok@127.0.0.1:${closed}/gone`,
    )
    if ("problem" in parsed) throw new Error(parsed.problem)
    receiver.answer(500)
    const options = { ...defaultNotifierOptions, attempts: 2, firstRetry: Duration.millis(50) }
    const states = await Effect.runPromise(
      Effect.gen(function* () {
        const notifier = yield* Notifier.make(parsed.targets, defaultNoticeOptions, sendRequest, options)
        yield* notifier.offer([event])
        yield* Effect.sleep(Duration.millis(1500))
        return yield* notifier.status
      }).pipe(Effect.scoped),
    )
    receiver.answer(200)
    expect(states).toMatchObject([
      { target: "json #1", failing: true, lastError: "the target answered HTTP 500", dropped: 1 },
      { target: "json #2", failing: true, lastError: "connection failed: ECONNREFUSED", dropped: 1 },
    ])
    expect(JSON.stringify(states)).not.toContain("127.0.0.1")
  })

  describe("forge commit statuses", () => {
    const sha = event.revision!
    const started: NotifyEvent = {
      ...event,
      kind: "RolloutStarted",
      severity: "info",
      title: "revision 0123456789ab is rolling out (fleet shop)",
      key: "started",
    }
    const base = () => `?base=http://127.0.0.1:${receiver.port}`

    it("github-status:// posts the status with a bearer token and GitHub's headers", async () => {
      const got = await deliver(`github-status://ghp_tok@github.com/acme/fleet${base()}`, started)
      expect(got.method).toBe("POST")
      expect(got.path).toBe(`/repos/acme/fleet/statuses/${sha}`)
      expect(got.headers).toMatchObject({
        authorization: "Bearer ghp_tok",
        accept: "application/vnd.github+json",
        "x-github-api-version": "2022-11-28",
        "user-agent": "fleetd",
      })
      expect(got.json).toEqual({
        state: "pending",
        target_url: page,
        description: started.title,
        context: "fleetd/default",
      })
    })

    it("gitea-status:// posts to /api/v1 with `token` auth", async () => {
      const got = await deliver(`gitea-status://gt_tok@git.example/acme/fleet${base()}`, started)
      expect(got.path).toBe(`/api/v1/repos/acme/fleet/statuses/${sha}`)
      expect(got.headers.authorization).toBe("token gt_tok")
      expect(got.json).toMatchObject({ state: "pending", context: "fleetd/default" })
    })

    it("gitlab-status:// posts to /api/v4 with PRIVATE-TOKEN and the encoded project path", async () => {
      const got = await deliver(`gitlab-status://glpat@gitlab.example/group/fleet${base()}`, started)
      expect(got.path).toBe(`/api/v4/projects/group%2Ffleet/statuses/${sha}`)
      expect(got.headers["private-token"]).toBe("glpat")
      expect(got.json).toMatchObject({ state: "running", name: "fleetd/default" })
    })

    it("the Notifier gives rollout events to forge targets only, and messages to the others only", async () => {
      const parsed = parseTargets(
        `json://127.0.0.1:${receiver.port}/messages, gitea-status://t@g.example/a/b${base()}`,
      )
      if ("problem" in parsed) throw new Error(parsed.problem)
      const before = receiver.received.length
      const options = { ...defaultNotifierOptions, spacing: Duration.millis(10) }
      await Effect.runPromise(
        Effect.gen(function* () {
          const notifier = yield* Notifier.make(parsed.targets, defaultNoticeOptions, sendRequest, options)
          yield* notifier.offer([event, started])
          yield* Effect.sleep(Duration.millis(500))
        }).pipe(Effect.scoped),
      )
      const paths = receiver.received.slice(before).map((r) => r.path)
      expect(paths.sort()).toEqual([`/api/v1/repos/a/b/statuses/${sha}`, "/messages"])
    })
  })
})
