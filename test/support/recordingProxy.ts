import { mkdtempSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { forwardToEngine } from "./forwardToEngine.ts"

/** One `POST /containers/create` as the engine received it. */
export interface RecordedCreate {
  readonly name: string
  readonly query: URLSearchParams
  readonly body: Record<string, unknown> & { readonly HostConfig: Record<string, unknown> }
}

/**
 * A unix-socket proxy in front of an engine that records every container create
 * request, so a test can assert what fleetd sent where the engine cannot honour it
 * (no GPU here, Podman gaps). Everything is forwarded unchanged, responses streamed.
 */
export const startRecordingProxy = async (
  engineHost: string,
): Promise<{
  readonly host: string
  readonly creates: Array<RecordedCreate>
  readonly close: () => Promise<void>
}> => {
  const engineSocket = engineHost.replace(/^unix:\/\//, "")
  const socketPath = join(mkdtempSync(join(tmpdir(), "fleetd-proxy-")), "engine.sock")
  const creates: Array<RecordedCreate> = []
  const server: Server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const raw = Buffer.concat(chunks)
      const url = new URL(req.url ?? "/", "http://engine")
      if (req.method === "POST" && /\/containers\/create$/.test(url.pathname))
        creates.push({
          name: url.searchParams.get("name") ?? "",
          query: url.searchParams,
          body: JSON.parse(raw.toString() || "{}") as RecordedCreate["body"],
        })
      forwardToEngine(engineSocket, req, res, raw)
    })
  })
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  return {
    host: `unix://${socketPath}`,
    creates,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * The create requests for a service's container: fleetd creates every new container
 * as `<name>--next`, its trial, and renames it once it passes its gate.
 */
export const createsFor = (
  creates: ReadonlyArray<RecordedCreate>,
  container: string,
): Array<RecordedCreate> => creates.filter((c) => c.name === `${container}--next` || c.name === container)
