import { connect, type Socket } from "node:net"

export interface RawResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

/**
 * Reads the first HTTP/1.1 response on `socket` (headers, then a Content-Length
 * body). For tests that need to misbehave in ways a real client refuses to: lie about
 * Content-Length, stall, or never send the body at all.
 */
export const firstResponse = (socket: Socket): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      const end = buffer.indexOf("\r\n\r\n")
      if (end < 0) return
      const [statusLine = "", ...lines] = buffer.subarray(0, end).toString("latin1").split("\r\n")
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const colon = line.indexOf(":")
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
      }
      const length = Number(headers["content-length"] ?? 0)
      if (buffer.length < end + 4 + length) return
      socket.off("data", onData)
      resolve({
        status: Number(statusLine.split(" ")[1]),
        headers,
        body: buffer.subarray(end + 4, end + 4 + length).toString("utf8"),
      })
    }
    socket.on("data", onData)
    socket.once("error", reject)
    socket.once("close", () =>
      reject(new Error(`connection closed before a response (${buffer.length} bytes)`)),
    )
  })

/** A raw TCP connection to 127.0.0.1:`port`, once connected. */
export const openSocket = (port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => resolve(socket))
    socket.once("error", reject)
  })

/** The head of a POST request, ending with the blank line. */
export const requestHead = (path: string, headers: Record<string, string>): string =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`
