import { mkdtempSync } from "node:fs"
import { createServer, request, type Server, type ServerResponse } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { forwardToEngine } from "./forwardToEngine.ts"

/** What the proxy does with the engine's event stream. */
export type EventsMode = "pass" | "cut" | "stall"

export interface EventsProxy {
  /** `unix:///...`: give it to fleetd as DOCKER_HOST. */
  readonly host: string
  /** How many `GET /containers/json` went through so far. */
  readonly containerLists: () => number
  /** How many `GET /events` streams were asked for so far. */
  readonly eventStreams: () => number
  /**
   * `cut`: close every open event stream and answer new ones 503, as an engine restart or
   * a proxy refusing `/events` would. `stall`: keep the streams open but forward nothing
   * more, as a hung engine would.
   */
  readonly setEvents: (mode: EventsMode) => void
  readonly close: () => Promise<void>
}

const isEvents = (url: string) => /^(\/v\d+\.\d+)?\/events(\?|$)/.test(url)

/**
 * A unix-socket proxy in front of an engine that forwards everything, counts container
 * lists, and can cut or stall the event stream, for the tests of the listing cache that
 * follows it (src/engine/ListingCache.ts).
 */
export const startEventsProxy = async (engineHost: string): Promise<EventsProxy> => {
  const engineSocket = engineHost.replace(/^unix:\/\//, "")
  const socketPath = join(mkdtempSync(join(tmpdir(), "fleetd-events-")), "engine.sock")
  let mode: EventsMode = "pass"
  let lists = 0
  let streams = 0
  const open = new Set<ServerResponse>()
  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/"
    if (req.method === "GET" && /^(\/v\d+\.\d+)?\/containers\/json(\?|$)/.test(url)) lists++
    if (!(req.method === "GET" && isEvents(url))) return forwardToEngine(engineSocket, req, res)
    streams++
    if (mode !== "pass") {
      res.writeHead(503)
      res.end("events refused by the test")
      return
    }
    const upstream = request({ socketPath: engineSocket, path: url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      res.flushHeaders()
      answer.on("data", (chunk: Buffer) => {
        if (mode === "pass") res.write(chunk)
      })
      answer.on("end", () => res.end())
    })
    upstream.on("error", () => res.destroy())
    res.on("close", () => {
      open.delete(res)
      upstream.destroy()
    })
    open.add(res)
    upstream.end()
  })
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  return {
    host: `unix://${socketPath}`,
    containerLists: () => lists,
    eventStreams: () => streams,
    setEvents: (next) => {
      mode = next
      if (next === "cut") for (const res of open) res.destroy()
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
