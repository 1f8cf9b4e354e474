import { Duration, Effect, Layer, Logger, ManagedRuntime, Redacted } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { DaemonConfig, type DaemonSettings } from "../../src/config/DaemonConfig.ts"
import { StatusStore } from "../../src/daemon/StatusStore.ts"
import { Draining } from "../../src/http/Draining.ts"
import { serveHttp } from "../../src/http/serveHttp.ts"
import { syncRoutes } from "../../src/http/syncRoutes.ts"
import { Metrics } from "../../src/observability/Metrics.ts"
import { ManifestSource } from "../../src/source/ManifestSource.ts"
import { Triggers } from "../../src/triggers/Triggers.ts"
import { freePort } from "../support/freePort.ts"
import { oneSource } from "../support/sourcesOf.ts"

const TOKEN = "sync-test-token-0123456789"

const settings = (port: number, apiToken: string | undefined): DaemonSettings => ({
  source: { _tag: "Dir", dir: "/nowhere" },
  path: "fleet.yaml",
  fleet: "sync",
  interval: Duration.seconds(60),
  listen: { host: "127.0.0.1", port },
  dataDir: "/nonexistent",
  engine: undefined,
  allowEmpty: false,
  concurrency: 4,
  webhookSecrets: {},
  ...(apiToken === undefined ? {} : { apiToken: Redacted.make(apiToken) }),
  webhookMaxBytes: 1024,
  logLevel: "info",
  logFormat: "json",
})

/**
 * The real server, route, Triggers and StatusStore, with a stand-in loop: each pass it
 * runs takes `passMs` (real time) and reports `web` replaced.
 */
const startServer = async (apiToken: string | undefined, passMs = 50) => {
  const port = await freePort()
  const logs: Array<string> = []
  const capture = Logger.make((options) => {
    logs.push(Logger.formatJson.log(options))
  })
  const source = Layer.succeed(ManifestSource)({
    describe: { kind: "dir", location: "/nowhere", ref: "-" },
    sync: Effect.die("no source in this test"),
  })
  const services = Layer.mergeAll(
    Triggers.layer,
    Draining.layer,
    Layer.succeed(DaemonConfig)(settings(port, apiToken)),
    StatusStore.layer("sync").pipe(Layer.provide(source)),
  ).pipe(Layer.provideMerge(Metrics.layer))
  const loop = Layer.effectDiscard(
    Effect.gen(function* () {
      const triggers = yield* Triggers
      const status = yield* StatusStore
      yield* Effect.forkScoped(
        Effect.forever(
          Effect.gen(function* () {
            const sources = yield* triggers.await(Duration.minutes(10))
            const id = yield* triggers.begin
            yield* Effect.sleep(Duration.millis(passMs))
            yield* status.passFinished({
              id,
              triggers: sources,
              startedAt: "2026-01-01T00:00:00.000Z",
              finishedAt: "2026-01-01T00:00:01.000Z",
              durationMs: 1000,
              result: "success",
              revision: "r2",
              changes: [{ service: "web", outcome: "replaced", fromRevision: "r1", toRevision: "r2" }],
            })
          }),
        ),
      )
    }),
  )
  const server = serveHttp(syncRoutes(), { host: "127.0.0.1", port }).pipe(
    Layer.provideMerge(loop),
    Layer.provideMerge(oneSource(settings(port, apiToken)).pipe(Layer.provideMerge(services))),
    Layer.provide(Logger.layer([capture])),
  )
  const runtime = ManagedRuntime.make(server)
  await runtime.context()
  return {
    logs,
    runtime,
    /** `token` null: no Authorization header. */
    post: async (path: string, token: string | null = TOKEN) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: "POST",
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
      })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    },
    drain: () => runtime.runPromise(Effect.flatMap(Draining, (d) => d.start)),
  }
}

let running: Awaited<ReturnType<typeof startServer>> | undefined
const start = async (apiToken: string | undefined, passMs?: number) => {
  running = await startServer(apiToken, passMs)
  return running
}
afterEach(async () => {
  await running?.runtime.dispose()
  running = undefined
})

describe("POST /sync", () => {
  it("is closed (403) when no token is configured, whatever is sent", async () => {
    const s = await start(undefined)
    const answer = await s.post("/sync")
    expect(answer.status).toBe(403)
    expect(answer.body["status"]).toBe("not_configured")
    expect(answer.body["reason"]).toMatch(/FLEETD_API_TOKEN/)
  })

  it("refuses a missing or wrong token with 401, and never logs either", async () => {
    const s = await start(TOKEN)
    expect((await s.post("/sync", null)).status).toBe(401)
    const wrong = await s.post("/sync", "not-the-token")
    expect(wrong).toEqual({ status: 401, body: { status: "unauthorized", reason: "wrong token" } })
    await s.post("/sync?wait=true")
    const logged = s.logs.join("\n")
    expect(logged).not.toContain("not-the-token")
    expect(logged).not.toContain(TOKEN)
  })

  it("answers 202 with the pass id, which counts up", async () => {
    const s = await start(TOKEN)
    const first = await s.post("/sync")
    expect(first).toEqual({
      status: 202,
      body: { status: "accepted", source: "default", id: 1, reason: "pass requested" },
    })
    const done = await s.post("/sync?wait=true")
    expect(done.status).toBe(200)
    expect((done.body["id"] as number) >= 1).toBe(true)
  })

  it("with wait=true answers with the pass's result per service", async () => {
    const s = await start(TOKEN)
    const answer = await s.post("/sync?wait=true")
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({
      status: "done",
      id: 1,
      pass: {
        id: 1,
        triggers: ["api"],
        result: "success",
        changes: [{ service: "web", outcome: "replaced", fromRevision: "r1", toRevision: "r2" }],
      },
    })
  })

  it("answers 504 with the pass id when the pass outlasts the timeout", async () => {
    const s = await start(TOKEN, 3000)
    const answer = await s.post("/sync?wait=true&timeout=1s")
    expect(answer.status).toBe(504)
    expect(answer.body).toMatchObject({ status: "timeout", id: 1 })
  })

  it("answers a waiting request 503 when the daemon starts shutting down before its pass finished", async () => {
    const s = await start(TOKEN, 5000)
    const waiting = s.post("/sync?wait=true")
    await new Promise((resolve) => setTimeout(resolve, 300))
    await s.drain()
    const answer = await waiting
    expect(answer.status).toBe(503)
    expect(answer.body).toMatchObject({ status: "draining", id: 1 })
  })

  it("answers 400 for a query it does not understand, and 503 while draining", async () => {
    const s = await start(TOKEN)
    expect((await s.post("/sync?wait=true&timeout=2h")).status).toBe(400)
    await s.drain()
    const answer = await s.post("/sync")
    expect(answer.status).toBe(503)
    expect(answer.body["status"]).toBe("draining")
  })
})
