/** The most of a log tail fleetd keeps: enough to see why a container died, bounded for status. */
export const maxLogBytes = 4096

/**
 * The text of a `GET /containers/{id}/logs` body. Without a TTY the engine multiplexes
 * stdout and stderr in frames of an 8-byte header (stream, 0, 0, 0, big-endian size)
 * and a payload; with a TTY the body is raw. Frames are joined in order (stderr lines
 * are where a crash says why), invalid UTF-8 is replaced, and only the last
 * `maxLogBytes` are kept, cut at a line boundary when there is one.
 */
export const demuxLogs = (body: Uint8Array): string => {
  const chunks: Array<Uint8Array> = []
  let offset = 0
  let framed = body.length >= 8
  while (framed && offset < body.length) {
    const stream = body[offset]
    if (offset + 8 > body.length || (stream !== 0 && stream !== 1 && stream !== 2)) {
      framed = false
      break
    }
    const size = new DataView(body.buffer, body.byteOffset + offset + 4, 4).getUint32(0)
    if (offset + 8 + size > body.length) {
      framed = false
      break
    }
    chunks.push(body.subarray(offset + 8, offset + 8 + size))
    offset += 8 + size
  }
  const bytes = framed ? Buffer.concat(chunks) : body
  const tail = bytes.length > maxLogBytes ? bytes.subarray(bytes.length - maxLogBytes) : bytes
  let text = new TextDecoder("utf-8", { fatal: false }).decode(tail)
  if (bytes.length > maxLogBytes) {
    const newline = text.indexOf("\n")
    if (newline >= 0 && newline < text.length - 1) text = text.slice(newline + 1)
  }
  return text.replace(/\n$/, "")
}
