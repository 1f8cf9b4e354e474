import { type IncomingMessage, request, type ServerResponse } from "node:http"

/**
 * Sends one request on to the engine's socket and streams the answer back (builds,
 * pulls and waits answer slowly, or for long). `body` is the request body when the
 * caller has already read it; otherwise it is streamed from `req`. A client that goes
 * away takes the engine request with it.
 */
export const forwardToEngine = (
  engineSocket: string,
  req: IncomingMessage,
  res: ServerResponse,
  body?: Buffer,
): void => {
  const upstream = request(
    { socketPath: engineSocket, path: req.url, method: req.method, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    },
  )
  upstream.on("error", (error) => {
    if (res.headersSent) res.destroy(error)
    else {
      res.writeHead(502)
      res.end(String(error))
    }
  })
  res.on("close", () => upstream.destroy())
  if (body === undefined) req.pipe(upstream)
  else upstream.end(body)
}
