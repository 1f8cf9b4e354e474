import { createHash } from "node:crypto"
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Exit } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { makeRegistry } from "../../../src/registry/Registry.ts"

const digest = `sha256:${"a".repeat(64)}`
const basic = `Basic ${Buffer.from("user:s3cret").toString("base64")}`

interface Seen {
  readonly method: string
  readonly url: string
  readonly accept?: string
  readonly authorization?: string
}

/**
 * A registry on 127.0.0.1 that behaves like distribution behind a token service:
 * manifests need `Bearer good-token`, which /token hands out for user:s3cret.
 */
const fakeRegistry = async (mode: "bearer" | "basic" | "open" | "no-digest-header") => {
  const seen: Array<Seen> = []
  const server: Server = createServer((req: IncomingMessage, res) => {
    seen.push({
      method: req.method ?? "",
      url: req.url ?? "",
      ...(req.headers.accept === undefined ? {} : { accept: req.headers.accept }),
      ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
    })
    const { port } = server.address() as AddressInfo
    if (req.url?.startsWith("/token")) {
      if (req.headers.authorization !== basic) return res.writeHead(401).end()
      res.writeHead(200, { "content-type": "application/json" })
      return res.end(JSON.stringify({ token: "good-token", expires_in: 300 }))
    }
    const authorized =
      mode === "open" ||
      mode === "no-digest-header" ||
      (mode === "bearer" && req.headers.authorization === "Bearer good-token") ||
      (mode === "basic" && req.headers.authorization === basic)
    if (!authorized) {
      res.writeHead(401, {
        "www-authenticate":
          mode === "basic"
            ? 'Basic realm="fake"'
            : `Bearer realm="http://127.0.0.1:${port}/token",service="fake",scope="repository:fleetd/app:pull"`,
      })
      return res.end()
    }
    if (req.url !== "/v2/fleetd/app/manifests/stable") return res.writeHead(404).end()
    const body = '{"schemaVersion":2}'
    res.writeHead(200, {
      "content-type": "application/vnd.oci.image.index.v1+json",
      ...(mode === "no-digest-header" ? {} : { "docker-content-digest": digest }),
    })
    res.end(req.method === "GET" ? body : undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  servers.push(server)
  return { seen, port: (server.address() as AddressInfo).port }
}

const servers: Array<Server> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

const env = (port: number) => ({
  FLEETD_REGISTRY_HOST: `127.0.0.1:${port}`,
  FLEETD_REGISTRY_USERNAME: "user",
  FLEETD_REGISTRY_PASSWORD: "s3cret",
})

const resolve = (registry: ReturnType<typeof makeRegistry>, ref: string) =>
  Effect.runPromiseExit(registry.resolveDigest(ref))

const failureOf = (exit: Exit.Exit<string, unknown>) =>
  Exit.isFailure(exit) ? JSON.parse(JSON.stringify(exit.cause)) : undefined

describe("Registry.resolveDigest", () => {
  it("follows the Bearer token flow with Basic credentials, asking for every manifest type", async () => {
    const { seen, port } = await fakeRegistry("bearer")
    const registry = makeRegistry({ credentials: { env: env(port) } })
    const exit = await resolve(registry, `127.0.0.1:${port}/fleetd/app:stable`)
    expect(exit).toEqual(Exit.succeed(digest))
    expect(seen.map((s) => `${s.method} ${s.url.replace(/\?.*/, "")}`)).toEqual([
      "HEAD /v2/fleetd/app/manifests/stable",
      "GET /token",
      "HEAD /v2/fleetd/app/manifests/stable",
    ])
    expect(seen[1]?.url).toContain("scope=repository%3Afleetd%2Fapp%3Apull")
    expect(seen[1]?.url).toContain("service=fake")
    for (const type of [
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.docker.distribution.manifest.v2+json",
      "application/vnd.oci.image.manifest.v1+json",
    ])
      expect(seen[2]?.accept).toContain(type)
  })

  it("reuses the token: a second check is one HEAD", async () => {
    const { seen, port } = await fakeRegistry("bearer")
    const registry = makeRegistry({ credentials: { env: env(port) } })
    await resolve(registry, `127.0.0.1:${port}/fleetd/app:stable`)
    await resolve(registry, `127.0.0.1:${port}/fleetd/app:stable`)
    expect(seen).toHaveLength(4)
    expect(seen[3]).toMatchObject({ method: "HEAD", authorization: "Bearer good-token" })
  })

  it("serves a digest from its cache within the TTL", async () => {
    const { seen, port } = await fakeRegistry("open")
    const registry = makeRegistry({ cacheTtl: "1 minute" })
    await resolve(registry, `127.0.0.1:${port}/fleetd/app:stable`)
    await resolve(registry, `127.0.0.1:${port}/fleetd/app:stable`)
    expect(seen).toHaveLength(1)
  })

  it("answers a Basic challenge with the configured credentials", async () => {
    const { port } = await fakeRegistry("basic")
    const registry = makeRegistry({ credentials: { env: env(port) } })
    expect(await resolve(registry, `127.0.0.1:${port}/fleetd/app:stable`)).toEqual(Exit.succeed(digest))
  })

  it("hashes the manifest when the registry sends no Docker-Content-Digest", async () => {
    const { port } = await fakeRegistry("no-digest-header")
    const exit = await resolve(makeRegistry(), `127.0.0.1:${port}/fleetd/app:stable`)
    const hash = createHash("sha256").update('{"schemaVersion":2}').digest("hex")
    expect(exit).toEqual(Exit.succeed(`sha256:${hash}`))
  })

  it("fails Unauthorized without credentials, and with wrong ones, never echoing them", async () => {
    const { port } = await fakeRegistry("bearer")
    const anonymous = failureOf(
      await resolve(makeRegistry({ credentials: { env: {} } }), `127.0.0.1:${port}/fleetd/app:stable`),
    )
    expect(JSON.stringify(anonymous)).toContain("Unauthorized")
    const wrong = makeRegistry({
      credentials: { env: { ...env(port), FLEETD_REGISTRY_PASSWORD: "wrong-pass" } },
    })
    const failure = failureOf(await resolve(wrong, `127.0.0.1:${port}/fleetd/app:stable`))
    expect(JSON.stringify(failure)).toContain("refused the configured credentials")
    expect(JSON.stringify(failure)).not.toContain("wrong-pass")
  })

  it("fails NotFound for an unknown tag and Unavailable when nothing listens", async () => {
    const { port } = await fakeRegistry("open")
    const missing = failureOf(await resolve(makeRegistry(), `127.0.0.1:${port}/fleetd/app:nope`))
    expect(JSON.stringify(missing)).toContain("NotFound")
    const server = servers.pop()
    await new Promise((r) => server?.close(r))
    const down = failureOf(await resolve(makeRegistry(), `127.0.0.1:${port}/fleetd/app:stable`))
    expect(JSON.stringify(down)).toContain("Unavailable")
    expect(JSON.stringify(down)).toContain("ECONNREFUSED")
  })

  it("times out a registry that never answers", async () => {
    const hang = createServer(() => undefined)
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r))
    servers.push(hang)
    const { port } = hang.address() as AddressInfo
    const started = Date.now()
    const exit = await resolve(
      makeRegistry({ requestTimeout: "200 millis" }),
      `127.0.0.1:${port}/fleetd/app:stable`,
    )
    expect(JSON.stringify(failureOf(exit))).toContain("timed out")
    expect(Date.now() - started).toBeLessThan(3000)
    hang.closeAllConnections()
  })

  it("answers a digest reference without asking", async () => {
    expect(await resolve(makeRegistry(), `127.0.0.1:1/fleetd/app@${digest}`)).toEqual(Exit.succeed(digest))
  })
})
