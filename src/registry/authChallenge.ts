/**
 * A `WWW-Authenticate` challenge from a registry: `Bearer realm="...",service="...",
 * scope="..."` (the token flow) or `Basic realm="..."`. Parsed by hand: the values
 * are quoted strings that may contain commas (a scope naming two actions).
 */
export interface AuthChallenge {
  readonly scheme: "bearer" | "basic"
  readonly params: Readonly<Record<string, string>>
}

const param = /\s*([a-zA-Z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/y

/** The first Bearer or Basic challenge in the header, or undefined. */
export const parseAuthChallenge = (header: string | null | undefined): AuthChallenge | undefined => {
  if (header === null || header === undefined) return undefined
  const match = /^\s*(bearer|basic)\b/i.exec(header)
  if (match === null) return undefined
  const scheme = match[1]!.toLowerCase() as AuthChallenge["scheme"]
  const params: Record<string, string> = {}
  param.lastIndex = match[0].length
  while (param.lastIndex < header.length) {
    const start = param.lastIndex
    const m = param.exec(header)
    if (m === null || param.lastIndex === start) break
    const value = m[2] === undefined ? (m[3] ?? "") : m[2].replace(/\\(.)/g, "$1")
    params[m[1]!.toLowerCase()] = value
  }
  return { scheme, params }
}
