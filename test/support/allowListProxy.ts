import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type IncomingMessage, type Server } from "node:http"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import type { Duplex } from "node:stream"
import { findEngineEndpoint } from "../../src/engine/engineEndpoints.ts"
import { forwardToEngine } from "./forwardToEngine.ts"

/** A request the proxy refused: fleetd asked for something docs/engine-api.md does not list. */
export interface Refusal {
  readonly method: string
  readonly url: string
}

export interface AllowListProxy {
  /** `unix:///...`: give it to fleetd as DOCKER_HOST. */
  readonly host: string
  readonly refusals: Array<Refusal>
  /** How often each listed endpoint (`METHOD /path`) was forwarded. */
  readonly forwarded: Map<string, number>
  readonly close: () => Promise<void>
}

const pathOf = (req: IncomingMessage) => (req.url ?? "/").split("?")[0] ?? "/"

/**
 * A unix-socket proxy in front of an engine that forwards only the requests
 * src/engine/engineEndpoints.ts lists (method and path) and answers every other one
 * with 403, as a hardened socket proxy would, recording it. Bodies and answers are
 * streamed (builds, pulls, waits), and HTTP upgrades (a hooks's hijacked exec) are
 * spliced through after the same check.
 */
export const startAllowListProxy = async (engineHost: string): Promise<AllowListProxy> => {
  const engineSocket = engineHost.replace(/^unix:\/\//, "")
  const socketPath = join(mkdtempSync(join(tmpdir(), "fleetd-allowlist-")), "engine.sock")
  const refusals: Array<Refusal> = []
  const forwarded = new Map<string, number>()
  // Upgraded connections leave the HTTP server's books: closed by hand on close().
  const spliced = new Set<Duplex>()
  const allowed = (req: IncomingMessage): boolean => {
    const endpoint = findEngineEndpoint(req.method ?? "", pathOf(req))
    if (endpoint === undefined) {
      refusals.push({ method: req.method ?? "", url: req.url ?? "" })
      return false
    }
    const key = `${endpoint.method} ${endpoint.path}`
    forwarded.set(key, (forwarded.get(key) ?? 0) + 1)
    return true
  }
  const refusal = (req: IncomingMessage) =>
    JSON.stringify({ message: `refused by the allow-list proxy: ${req.method} ${pathOf(req)}` })

  const server: Server = createServer((req, res) => {
    if (!allowed(req)) {
      req.resume()
      res.writeHead(403, { "content-type": "application/json" })
      res.end(refusal(req))
      return
    }
    forwardToEngine(engineSocket, req, res)
  })

  server.on("upgrade", (req: IncomingMessage, client: Duplex, head: Buffer) => {
    if (!allowed(req)) {
      const body = refusal(req)
      client.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      )
      return
    }
    const engine = connect(engineSocket)
    spliced.add(client).add(engine)
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`]
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
    engine.write(`${lines.join("\r\n")}\r\n\r\n`)
    if (head.length > 0) engine.write(head)
    client.pipe(engine)
    engine.pipe(client)
    engine.on("error", () => client.destroy())
    client.on("error", () => engine.destroy())
  })

  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  return {
    host: `unix://${socketPath}`,
    refusals,
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        for (const socket of spliced) socket.destroy()
        server.close(() => {
          rmSync(dirname(socketPath), { recursive: true, force: true })
          resolve()
        })
      }),
  }
}
