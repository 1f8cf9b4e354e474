/**
 * Reads an engine's JSON-lines progress stream (pull, build) to its end, handing each
 * non-empty line to `line` as it completes: the engine answers 200 at once, and what
 * went wrong arrives only inside the stream.
 */
export const readJsonLines = async (stream: NodeJS.ReadableStream, line: (text: string) => void) => {
  let buffer = ""
  const consider = (text: string) => {
    const trimmed = text.trim()
    if (trimmed !== "") line(trimmed)
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
}
