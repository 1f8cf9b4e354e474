/**
 * A minimal tar writer (ustar, with a PAX header for paths over 100 bytes): enough for
 * the regular files fleetd copies into a container (secrets and configs). Pure, so
 * the archive's bytes are testable; the engine's archive API reads it like `tar x`.
 */

export interface TarEntry {
  /** Path inside the archive, relative (no leading `/`). */
  readonly path: string
  readonly content: Uint8Array
  readonly mode: number
  readonly uid: number
  readonly gid: number
  readonly mtimeSeconds: number
}

const block = 512
const encoder = new TextEncoder()

const octal = (value: number, width: number): string => `${value.toString(8).padStart(width - 1, "0")}\0`

const header = (
  name: string,
  size: number,
  type: "0" | "x",
  entry: Omit<TarEntry, "path" | "content">,
): Uint8Array => {
  const h = new Uint8Array(block)
  const put = (text: string, offset: number, width: number) =>
    h.set(encoder.encode(text).slice(0, width), offset)
  put(name, 0, 100)
  put(octal(entry.mode & 0o7777, 8), 100, 8)
  put(octal(entry.uid, 8), 108, 8)
  put(octal(entry.gid, 8), 116, 8)
  put(octal(size, 12), 124, 12)
  put(octal(Math.max(0, Math.floor(entry.mtimeSeconds)), 12), 136, 12)
  put("        ", 148, 8)
  put(type, 156, 1)
  put("ustar\u000000", 257, 8)
  const sum = h.reduce((a, b) => a + b, 0)
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8)
  return h
}

const padded = (data: Uint8Array): Uint8Array => {
  const out = new Uint8Array(Math.ceil(data.length / block) * block)
  out.set(data)
  return out
}

/** A PAX record `"<len> path=<value>\n"`, whose length counts its own digits. */
const paxRecord = (key: string, value: string): Uint8Array => {
  const body = ` ${key}=${value}\n`
  const base = encoder.encode(body).length
  let length = base + String(base).length
  // Adding the digits may add a digit (98 + 2 = 100).
  if (String(length).length > String(base).length) length = base + String(length).length
  return encoder.encode(`${length}${body}`)
}

export const tarArchive = (entries: ReadonlyArray<TarEntry>): Uint8Array => {
  const parts: Array<Uint8Array> = []
  for (const entry of entries) {
    if (encoder.encode(entry.path).length > 100) {
      const pax = paxRecord("path", entry.path)
      parts.push(header("PaxHeader", pax.length, "x", entry), padded(pax))
    }
    parts.push(header(entry.path, entry.content.length, "0", entry), padded(entry.content))
  }
  parts.push(new Uint8Array(2 * block))
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}
