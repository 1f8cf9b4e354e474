import { Layer, Logger, ManagedRuntime, Redacted } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { DaemonConfig, type DaemonSettings } from "../../src/config/DaemonConfig.ts"
import { Draining } from "../../src/http/Draining.ts"
import { serveHttp } from "../../src/http/serveHttp.ts"
import { webhookRoutes } from "../../src/http/webhookRoutes.ts"
import { Metrics } from "../../src/observability/Metrics.ts"
import { freePort } from "../support/freePort.ts"
import { gitDaemonSettings } from "../support/gitDaemonSettings.ts"
import { manySources } from "../support/sourcesOf.ts"
import { type Delivery, githubPush, hmacHex } from "../support/webhookFixtures.ts"

const SECRET_A = "secret-of-a-0123456789"
const SECRET_B = "secret-of-b-9876543210"
const maxBytes = 4096

const settings = (secret: string | undefined): DaemonSettings =>
  gitDaemonSettings({
    webhookSecrets: secret === undefined ? {} : { github: Redacted.make(secret) },
    webhookMaxBytes: maxBytes,
  })

/** The shared /hooks/<provider> URL over three sources of a config file: a, b (own secrets) and c (none). */
describe("one webhook URL for several sources", () => {
  const requested: Array<string> = []
  let runtime: ManagedRuntime.ManagedRuntime<unknown, unknown> | undefined
  let base = ""
  beforeAll(async () => {
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    const services = Layer.mergeAll(
      Draining.layer,
      Layer.succeed(DaemonConfig)(settings(undefined)),
      manySources(
        [
          { name: "a", settings: settings(SECRET_A), webhookRepository: "acme/a" },
          { name: "b", settings: settings(SECRET_B), webhookRepository: "git@github.com:acme/b.git" },
          { name: "c", settings: settings(undefined), webhookRepository: "acme/c" },
        ],
        requested,
      ),
    ).pipe(Layer.provideMerge(Metrics.layer))
    const server = serveHttp(webhookRoutes(), { host: "127.0.0.1", port }).pipe(
      Layer.provideMerge(services),
      Layer.provide(Logger.layer([])),
    )
    runtime = ManagedRuntime.make(server) as unknown as ManagedRuntime.ManagedRuntime<unknown, unknown>
    await runtime.context()
  })
  afterAll(async () => runtime?.dispose())
  beforeEach(() => {
    requested.length = 0
  })

  const post = async (path: string, delivery: Delivery) => {
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
    })
    return { status: response.status, body: (await response.json()) as { status: string; reason: string } }
  }

  it("routes a delivery to the source whose secret signed it and whose repository it names", async () => {
    expect(await post("/hooks/github", githubPush("acme/a", SECRET_A))).toMatchObject({ status: 202 })
    // b answers to its ssh URL: the https clone URL the payload gives is the same repository.
    expect(await post("/hooks/github", githubPush("ACME/B", SECRET_B))).toMatchObject({ status: 202 })
    expect(requested).toEqual(["a:webhook:github", "b:webhook:github"])
  })

  it("refuses a delivery signed with another source's secret, or with none; a source without a secret takes none", async () => {
    expect(await post("/hooks/github", githubPush("acme/b", SECRET_A))).toMatchObject({
      status: 401,
      body: { status: "unauthorized" },
    })
    expect(await post("/hooks/github", githubPush("acme/a", "guess"))).toMatchObject({ status: 401 })
    // c has no secret: it takes no delivery at the shared URL, whoever signed it.
    expect(await post("/hooks/github", githubPush("acme/c", SECRET_A))).toMatchObject({
      status: 200,
      body: { status: "ignored" },
    })
    expect(requested).toEqual([])
  })

  it("answers 2xx, starting nothing, for a repository no source follows and for an untracked ref", async () => {
    expect(await post("/hooks/github", githubPush("acme/zzz", SECRET_A))).toMatchObject({
      status: 200,
      body: { status: "ignored", reason: "no source follows acme/zzz" },
    })
    const other = githubPush("acme/a", SECRET_A)
    const body = other.body.replace("refs/heads/main", "refs/heads/other")
    const signed = { ...other.headers, "x-hub-signature-256": `sha256=${hmacHex(body, SECRET_A)}` }
    expect(await post("/hooks/github", { body, headers: signed })).toMatchObject({ status: 200 })
    expect(requested).toEqual([])
  })

  it("de-duplicates a delivery id per source", async () => {
    const first = githubPush("acme/a", SECRET_A)
    expect(await post("/hooks/github", first)).toMatchObject({ status: 202 })
    expect(await post("/hooks/github", first)).toMatchObject({ status: 200, body: { status: "duplicate" } })
    // The same id for another source is that source's first.
    const forB = githubPush("acme/b", SECRET_B)
    const sameId = { ...forB.headers, "x-github-delivery": first.headers["x-github-delivery"] as string }
    expect(await post("/hooks/github", { body: forB.body, headers: sameId })).toMatchObject({ status: 202 })
    expect(requested).toEqual(["a:webhook:github", "b:webhook:github"])
  })

  it("checks size and configuration before any secret, and /hooks/<provider>/<source> takes that source's secret only", async () => {
    const big = githubPush("acme/a", SECRET_A)
    const padded = { body: `${big.body}${" ".repeat(maxBytes)}`, headers: big.headers }
    expect(await post("/hooks/github", padded)).toMatchObject({ status: 413 })
    expect(await post("/hooks/gitlab", githubPush("acme/a", SECRET_A))).toMatchObject({
      status: 403,
      body: { status: "not_configured" },
    })
    // The URL chooses b: the repository the payload names does not matter, b's secret does.
    expect(await post("/hooks/github/b", githubPush("acme/a", SECRET_A))).toMatchObject({ status: 401 })
    expect(await post("/hooks/github/b", githubPush("acme/a", SECRET_B))).toMatchObject({ status: 202 })
    expect(await post("/hooks/github/zzz", githubPush("acme/a", SECRET_A))).toMatchObject({ status: 404 })
    expect(requested).toEqual(["b:webhook:github"])
  })
})
