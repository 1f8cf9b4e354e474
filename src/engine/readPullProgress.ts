import { readJsonLines } from "./readJsonLines.ts"

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
  let firstError: string | undefined
  await readJsonLines(stream, (line) => {
    if (firstError !== undefined) return
    try {
      const event: unknown = JSON.parse(line)
      if (typeof event === "object" && event !== null && "error" in event) {
        firstError = typeof event.error === "string" ? event.error : JSON.stringify(event.error)
      }
    } catch {
      firstError = `unreadable progress line from the engine: ${line.slice(0, 200)}`
    }
  })
  return firstError
}
