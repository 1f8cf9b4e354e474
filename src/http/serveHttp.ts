import { createRequire } from "node:module"
import { NodeHttpServer } from "@effect/platform-node"
import { Layer } from "effect"
import { HttpRouter } from "effect/http"

/**
 * node:http through `require`, not `import`: an ES module import of a built-in reads
 * every export, and node:http's `WebSocket`, `CloseEvent` and `MessageEvent` are lazy
 * getters that load undici (~750 KB of source, compiled at once), which the daemon
 * never uses otherwise: ≈ 12 MB more resident in a bare Node process (bench/RESULTS.md,
 * idle daemon).
 */
const { createServer }: typeof import("node:http") = createRequire(import.meta.url)("node:http")

/**
 * The daemon's HTTP server on `host:port`, serving the given route layers. Node's
 * own limits bound slow clients: headers within 10 s, a whole request within 30 s
 * (webhook bodies have a shorter deadline of their own).
 */
export const serveHttp = <E, R>(
  routes: Layer.Layer<never, E, R>,
  listen: { readonly host: string; readonly port: number },
) =>
  HttpRouter.serve(routes, { disableListenLog: true, disableLogger: true }).pipe(
    Layer.provide(
      NodeHttpServer.layer(
        () => {
          const server = createServer()
          server.headersTimeout = 10_000
          server.requestTimeout = 30_000
          server.keepAliveTimeout = 5_000
          return server
        },
        { host: listen.host, port: listen.port },
      ),
    ),
  )
