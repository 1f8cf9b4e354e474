/**
 * Reads a pull's JSON-lines progress stream to its end and returns the first error the
 * engine reported in it, if any. The engine answers 200 as soon as the pull *starts*;
 * "manifest unknown", "unauthorized" and the like arrive only inside the stream.
 *
 * Written instead of docker-modem's followProgress because that one JSON.parses inside
 * a 'data' listener, where a malformed line throws out of the event loop, and it does
 * not surface stream errors from events.
 */
export const readPullProgress = async (stream: NodeJS.ReadableStream): Promise<string | undefined> => {
  let buffer = ""
  let firstError: string | undefined
  const consider = (line: string) => {
    const trimmed = line.trim()
    if (trimmed === "" || firstError !== undefined) return
    try {
      const event: unknown = JSON.parse(trimmed)
      if (typeof event === "object" && event !== null && "error" in event) {
        firstError = typeof event.error === "string" ? event.error : JSON.stringify(event.error)
      }
    } catch {
      firstError = `unreadable progress line from the engine: ${trimmed.slice(0, 200)}`
    }
  }
  for await (const chunk of stream) {
    buffer += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8")
    let newline = buffer.indexOf("\n")
    while (newline >= 0) {
      consider(buffer.slice(0, newline))
      buffer = buffer.slice(newline + 1)
      newline = buffer.indexOf("\n")
    }
  }
  consider(buffer)
  return firstError
}
