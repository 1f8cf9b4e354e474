import { Agent, request } from "node:http"
import { type Duration, Effect, Layer, Logger, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DaemonConfig, type DaemonSettings } from "../../src/config/DaemonConfig.ts"
import { StatusStore } from "../../src/daemon/StatusStore.ts"
import { webhookProviders } from "../../src/domain/webhookProviders.ts"
import { Draining } from "../../src/http/Draining.ts"
import { serveHttp } from "../../src/http/serveHttp.ts"
import { closedProviders, webhookRoutes } from "../../src/http/webhookRoutes.ts"
import { Metrics } from "../../src/observability/Metrics.ts"
import { ManifestSource } from "../../src/source/ManifestSource.ts"
import { Triggers } from "../../src/triggers/Triggers.ts"
import { freePort } from "../support/freePort.ts"
import { gitDaemonSettings } from "../support/gitDaemonSettings.ts"
import { firstResponse, openSocket, requestHead } from "../support/rawHttp.ts"
import { oneSource } from "../support/sourcesOf.ts"
import {
  authHeaders,
  type Delivery,
  providerNames,
  SECRET,
  signedBody,
  signedPush,
} from "../support/webhookFixtures.ts"

const MiB = 1024 * 1024
const allSecrets = Object.fromEntries(webhookProviders.map((p) => [p, Redacted.make(SECRET)]))

const settings = (secrets: DaemonSettings["webhookSecrets"], port: number): DaemonSettings =>
  gitDaemonSettings({
    webhookSecrets: secrets,
    listen: { host: "127.0.0.1", port },
    webhookMaxBytes: 5 * MiB,
  })

/** The real server and routes, the real Triggers and Metrics, a trigger counter and captured logs. */
const startServer = async (secrets: DaemonSettings["webhookSecrets"]) => {
  const port = await freePort()
  const requested: Array<string> = []
  const logs: Array<string> = []
  const capture = Logger.make((options) => {
    logs.push(Logger.formatJson.log(options))
  })
  const countingTriggers = Layer.effect(
    Triggers,
    Effect.gen(function* () {
      const real = yield* Triggers
      return Triggers.of({
        request: (source) =>
          Effect.andThen(
            Effect.sync(() => requested.push(source)),
            real.request(source),
          ),
        begin: real.begin,
        await: real.await,
      })
    }),
  ).pipe(Layer.provide(Triggers.layer))
  const source = Layer.succeed(ManifestSource)({
    describe: { kind: "git", location: "file:///nowhere", ref: "main" },
    sync: Effect.die("no source in this test"),
  })
  const services = Layer.mergeAll(
    countingTriggers,
    Draining.layer,
    Layer.succeed(DaemonConfig)(settings(secrets, port)),
    StatusStore.layer("webhooks").pipe(Layer.provide(source)),
  ).pipe(Layer.provideMerge(Metrics.layer))
  const server = serveHttp(webhookRoutes({ bodyTimeout: "500 millis" }), { host: "127.0.0.1", port }).pipe(
    Layer.provideMerge(oneSource(settings(secrets, port)).pipe(Layer.provideMerge(services))),
    Layer.provide(Logger.layer([capture])),
  )
  const runtime = ManagedRuntime.make(server)
  await runtime.context()
  const base = `http://127.0.0.1:${port}`
  return {
    port,
    requested,
    logs,
    runtime,
    post: async (path: string, delivery: Delivery) => {
      const response = await fetch(`${base}${path}`, {
        method: "POST",
        headers: delivery.headers,
        body: delivery.body,
      })
      return { status: response.status, body: (await response.json()) as { status: string; reason: string } }
    },
    /** `fleetd_webhook_requests_total{provider,outcome}`, 0 when never counted. */
    counted: async (provider: string, outcome: string) => {
      const { body } = await runtime.runPromise(Effect.flatMap(Metrics, (m) => m.render))
      const line = `fleetd_webhook_requests_total{provider="${provider}",outcome="${outcome}"} `
      const found = body.split("\n").find((l) => l.startsWith(line))
      return found === undefined ? 0 : Number(found.slice(line.length))
    },
    drain: () => runtime.runPromise(Effect.flatMap(Draining, (d) => d.start)),
    /** Services as a pass would have reported them, for image-push matching. */
    setServices: (services: ReadonlyArray<{ name: string; image: string; track?: "digest" }>) =>
      runtime.runPromise(
        Effect.flatMap(StatusStore, (store) =>
          store.update((s) => ({
            ...s,
            lastAppliedRevision: "r1",
            services: services.map((x) => ({ ...x, sync: "Synced" as const, health: "Healthy" as const })),
          })),
        ),
      ),
    pendingPasses: (idle: Duration.Input) =>
      runtime.runPromise(Effect.flatMap(Triggers, (t) => t.await(idle))),
  }
}

/** POST over node:http with a keep-alive agent (one socket per concurrent sender). */
const postWith = (agent: Agent, port: number, path: string, delivery: Delivery) =>
  new Promise<{ status: number }>((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, method: "POST", agent, headers: delivery.headers },
      (res) => {
        res.resume()
        res.once("end", () => resolve({ status: res.statusCode ?? 0 }))
      },
    )
    req.once("error", reject)
    req.end(delivery.body)
  })

type Server = Awaited<ReturnType<typeof startServer>>

describe("webhook HTTP server", () => {
  let server: Server
  /** Every credential value sent in this file, to prove none reached a log line. */
  const sentCredentials = new Set<string>()
  const post = (path: string, delivery: Delivery) => {
    for (const [name, value] of Object.entries(delivery.headers))
      if (/signature|token|authorization/.test(name)) sentCredentials.add(value)
    return server.post(path, delivery)
  }

  beforeAll(async () => {
    server = await startServer(allSecrets)
  })
  afterAll(() => server.runtime.dispose())

  it.each(providerNames)("accepts a signed %s push with 202 and requests exactly one pass", async (p) => {
    const before = server.requested.length
    const answer = await post(`/hooks/${p}`, signedPush(p, "refs/heads/main", `valid-${p}`))
    expect(answer).toEqual({ status: 202, body: { status: "accepted", reason: "pass requested" } })
    expect(server.requested.slice(before)).toEqual([`webhook:${p}`])
    expect(await server.counted(p, "accepted")).toBe(1)
  })

  it.each(providerNames)("answers a replayed %s delivery 200 duplicate, with no pass", async (p) => {
    const before = server.requested.length
    const answer = await post(`/hooks/${p}`, signedPush(p, "refs/heads/main", `valid-${p}`))
    expect(answer).toEqual({ status: 200, body: { status: "duplicate", reason: "duplicate delivery" } })
    expect(server.requested.length).toBe(before)
    expect(await server.counted(p, "duplicate")).toBe(1)
  })

  it.each(providerNames)(
    "refuses %s deliveries that are unauthenticated, malformed or off-branch, with no pass",
    async (p) => {
      const before = server.requested.length
      const push = signedPush(p, "refs/heads/main", `bad-${p}`)
      const forged = { ...push, headers: { ...push.headers, ...authHeaders(p, push.body, "guessed-secret") } }
      expect((await post(`/hooks/${p}`, forged)).status).toBe(401)
      expect((await post(`/hooks/${p}`, { ...push, headers: {} })).status).toBe(401)
      expect(await post(`/hooks/${p}`, signedBody(p, "not json"))).toEqual({
        status: 400,
        body: { status: "bad_request", reason: "body is not valid JSON" },
      })
      const dev = await post(`/hooks/${p}`, signedPush(p, "refs/heads/dev"))
      expect(dev).toEqual({
        status: 200,
        body: { status: "ignored", reason: "refs/heads/dev is not the tracked ref" },
      })
      expect((await post(`/hooks/${p}`, signedPush(p, "refs/tags/v1"))).status).toBe(200)
      expect(server.requested.length).toBe(before)
      expect(await server.counted(p, "unauthorized")).toBe(2)
      expect(await server.counted(p, "bad_request")).toBe(1)
      expect(await server.counted(p, "ignored")).toBe(2)
    },
  )

  it("answers a GitHub ping with a pong and no pass", async () => {
    const body = JSON.stringify({ zen: "Design for failure." })
    const ping = { body, headers: { "x-github-event": "ping", ...authHeaders("github", body) } }
    const before = server.requested.length
    expect(await post("/hooks/github", ping)).toEqual({
      status: 200,
      body: { status: "pong", reason: "ping" },
    })
    expect(server.requested.length).toBe(before)
  })

  it("answers 404 to an unknown provider and to GET", async () => {
    expect((await post("/hooks/jenkins", signedPush("generic", "refs/heads/main"))).status).toBe(404)
    expect((await fetch(`http://127.0.0.1:${server.port}/hooks/github`)).status).toBe(404)
  })

  it("refuses a declared 6 MiB body with 413 before reading any of it", async () => {
    const socket = await openSocket(server.port)
    const before = server.requested.length
    // Only the head is sent: the answer cannot depend on reading the body.
    socket.write(
      requestHead("/hooks/github", {
        "content-type": "application/json",
        "content-length": String(6 * MiB),
        ...signedPush("github", "refs/heads/main").headers,
      }),
    )
    const response = await firstResponse(socket)
    socket.destroy()
    expect(response.status).toBe(413)
    expect(response.headers["connection"]).toBe("close")
    expect(JSON.parse(response.body)).toEqual({
      status: "too_large",
      reason: `body is larger than ${5 * MiB} bytes`,
    })
    expect(server.requested.length).toBe(before)
  })

  it("stops a chunked body as soon as it passes the cap with 413", async () => {
    const socket = await openSocket(server.port)
    socket.write(
      requestHead("/hooks/gitea", { "transfer-encoding": "chunked", "x-gitea-signature": "0".repeat(64) }),
    )
    const response = firstResponse(socket)
    let answered = false
    void response.then(() => (answered = true)).catch(() => {})
    const chunk = Buffer.alloc(64 * 1024, 0x20)
    let sent = 0
    // An endless body: only the server stopping it ends this loop.
    while (!answered && sent < 64 * MiB) {
      const flushed =
        socket.write(`${chunk.length.toString(16)}\r\n`) && socket.write(chunk) && socket.write("\r\n")
      sent += chunk.length
      if (!flushed) await new Promise((resolve) => socket.once("drain", resolve).once("close", resolve))
      await new Promise((resolve) => setImmediate(resolve))
    }
    const { status } = await response
    socket.destroy()
    expect(status).toBe(413)
    // Kernel socket buffers hold some of what was written; the server read about the cap.
    expect(sent).toBeLessThan(5 * MiB + 16 * MiB)
    console.info(`chunked body refused after the client wrote ${(sent / MiB).toFixed(1)} MiB`)
  })

  it("reads only what a short Content-Length declares: the extra bytes never count as body", async () => {
    const socket = await openSocket(server.port)
    const push = signedPush("github", "refs/heads/main", "lying-length")
    const before = server.requested.length
    const unauthorized = await server.counted("github", "unauthorized")
    // Declares 16 bytes, then sends the whole payload and 1 MiB more: the handler gets
    // the 16 bytes, which fail the signature. Node reads the rest as a malformed next
    // request and answers that with its own 400, which may reach the wire first.
    socket.write(requestHead("/hooks/github", { ...push.headers, "content-length": "16" }))
    socket.write(push.body)
    socket.write(Buffer.alloc(MiB, 0x41))
    const response = await firstResponse(socket)
    socket.destroy()
    expect([400, 401]).toContain(response.status)
    await expect.poll(() => server.counted("github", "unauthorized")).toBe(unauthorized + 1)
    expect(server.requested.length).toBe(before)
  })

  it("answers 408 to a body that never finishes arriving", async () => {
    const socket = await openSocket(server.port)
    const started = Date.now()
    socket.write(
      requestHead("/hooks/generic", { authorization: `Bearer ${SECRET}`, "content-length": "1000" }),
    )
    socket.write('{"branch":')
    sentCredentials.add(`Bearer ${SECRET}`)
    const response = await firstResponse(socket)
    socket.destroy()
    expect(response.status).toBe(408)
    expect(JSON.parse(response.body)).toEqual({ status: "timeout", reason: "body not received in time" })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(await server.counted("generic", "timeout")).toBe(1)
  })

  it("answers 1,000 signed pushes in about a second, all 202, and they coalesce into one pass", async () => {
    await server.pendingPasses(0) // forget earlier requests
    const total = 1000
    const concurrency = 50
    const latencies: Array<number> = []
    const statuses: Array<number> = []
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
    // Open the 50 connections first with pings (no pass): with client and server in one
    // process, a connection's first request otherwise waits behind busy ones and the
    // tail measures the test client's connection setup, not fleetd.
    const body = "{}"
    const ping = { body, headers: { "x-github-event": "ping", ...authHeaders("github", body) } }
    await Promise.all(
      Array.from({ length: concurrency }, () => postWith(agent, server.port, "/hooks/github", ping)),
    )
    let next = 0
    const started = performance.now()
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const i = next++
          const t0 = performance.now()
          const { status } = await postWith(
            agent,
            server.port,
            "/hooks/github",
            signedPush("github", "refs/heads/main", `load-${i}`),
          )
          latencies.push(performance.now() - t0)
          statuses.push(status)
        }
      }),
    )
    const elapsed = performance.now() - started
    latencies.sort((a, b) => a - b)
    const p = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]?.toFixed(1)
    console.info(
      `1,000 webhooks (50 at a time): ${elapsed.toFixed(0)} ms total, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms`,
    )
    expect(statuses.filter((s) => s === 202)).toHaveLength(total)
    // The loop would see every one of them as a single request for one pass.
    expect(await server.pendingPasses(0)).toEqual(["webhook:github"])
    expect(await server.pendingPasses("10 millis")).toEqual([])
    agent.destroy()
  })

  it("requests a pass for an image push only when a service tracks that image by digest", async () => {
    const notification = (repository: string, id: string) => {
      const body = JSON.stringify({
        events: [
          {
            id,
            action: "push",
            target: { mediaType: "application/vnd.oci.image.manifest.v1+json", repository, tag: "v2" },
            request: { host: "127.0.0.1:5000" },
          },
        ],
      })
      return { body, headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` } }
    }
    // Before any pass has read the manifest, nothing is known to be untracked.
    const early = server.requested.length
    expect((await post("/hooks/registry", notification("team/web", "n0"))).status).toBe(202)
    expect(server.requested.slice(early)).toEqual(["image:registry"])
    await server.setServices([
      { name: "api", image: "127.0.0.1:5000/team/api:v2", track: "digest" },
      { name: "web", image: "127.0.0.1:5000/team/web:v2" },
    ])
    const before = server.requested.length
    expect(await post("/hooks/registry", notification("team/api", "n1"))).toEqual({
      status: 202,
      body: { status: "accepted", reason: "digest check requested" },
    })
    expect(server.requested.slice(before)).toEqual(["image:registry"])
    // The registry retries a delivery it thinks failed: the same event id is a duplicate.
    expect((await post("/hooks/registry", notification("team/api", "n1"))).body.status).toBe("duplicate")
    expect(await post("/hooks/registry", notification("team/web", "n2"))).toEqual({
      status: 200,
      body: { status: "ignored", reason: "no service tracks 127.0.0.1:5000/team/web:v2 by digest" },
    })
    expect(server.requested.length).toBe(before + 1)
  })

  it("takes Docker Hub's secret from the URL, and never logs it", async () => {
    await server.setServices([{ name: "app", image: "me/app:latest", track: "digest" }])
    const body = JSON.stringify({ push_data: { tag: "latest" }, repository: { repo_name: "me/app" } })
    const delivery = { body, headers: { "content-type": "application/json" } }
    expect((await post(`/hooks/dockerhub?token=${SECRET}`, delivery)).status).toBe(202)
    sentCredentials.add("wrong-token-in-url")
    expect((await post("/hooks/dockerhub?token=wrong-token-in-url", delivery)).status).toBe(401)
  })

  it("logs one line per request with provider, outcome and delivery, and never a secret or signature", () => {
    const lines = server.logs.map(
      (l) => JSON.parse(l) as { message: unknown; annotations?: Record<string, unknown> },
    )
    const hook = lines.find((l) => l.annotations?.["delivery"] === "valid-github")
    expect(hook?.annotations).toMatchObject({ provider: "github", outcome: "accepted" })
    const all = server.logs.join("\n")
    // Reasons may name a header ("missing X-Hub-Signature-256 header"), never its value.
    expect(all.includes(SECRET)).toBe(false)
    expect(sentCredentials.size).toBeGreaterThan(10)
    const leaked = [...sentCredentials].filter((credential) => all.includes(credential))
    expect(leaked).toEqual([])
  })

  it("answers 503 once draining, and requests no pass", async () => {
    await server.drain()
    const before = server.requested.length
    const answer = await server.post(
      "/hooks/github",
      signedPush("github", "refs/heads/main", "after-sigterm"),
    )
    expect(answer).toEqual({
      status: 503,
      body: { status: "draining", reason: "fleetd is shutting down; retry later" },
    })
    expect(server.requested.length).toBe(before)
    expect(await server.counted("github", "draining")).toBe(1)
  })
})

describe("webhook HTTP server with no secrets", () => {
  let server: Server
  beforeAll(async () => {
    // An empty secret counts as none: an HMAC keyed with "" is anyone's to compute.
    server = await startServer({ generic: Redacted.make("") })
  })
  afterAll(() => server.runtime.dispose())

  it.each(providerNames)(
    "keeps %s closed: 403 not configured, even for a well-formed delivery",
    async (p) => {
      const push = signedPush(p, "refs/heads/main", "x")
      const delivery = p === "generic" ? { ...push, headers: authHeaders(p, push.body, "") } : push
      const answer = await server.post(`/hooks/${p}`, delivery)
      expect(answer).toEqual({
        status: 403,
        body: { status: "not_configured", reason: `webhook provider ${p} is not configured (no secret set)` },
      })
      expect(server.requested).toEqual([])
      expect(await server.counted(p, "not_configured")).toBe(1)
    },
  )

  it("names the providers that are closed, for the start-up log", () => {
    const source = (secrets: DaemonSettings["webhookSecrets"], name: string) => ({
      name,
      settings: settings(secrets, 1),
      webhookRepository: undefined,
      prune: false,
    })
    expect(closedProviders([source({}, "a")])).toEqual(webhookProviders)
    expect(
      closedProviders([
        source({ github: Redacted.make("x") }, "a"),
        source({ registry: Redacted.make("y"), gitlab: Redacted.make("") }, "b"),
      ]),
    ).toEqual(["gitlab", "gitea", "bitbucket", "generic", "dockerhub", "harbor"])
  })
})
