import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"

export interface Received {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/**
 * An HTTP receiver on 127.0.0.1 that records every request and answers `status()`
 * (200 unless a test changes it): stands in for Slack, ntfy, a JSON hook ...
 */
export const startReceiver = async () => {
  const received: Array<Received> = []
  let answer = 200
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      })
      res.writeHead(answer, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    received,
    answer: (status: number) => {
      answer = status
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
