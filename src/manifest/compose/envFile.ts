/**
 * Reads `.env` and `env_file` files in the format Compose accepts: `KEY=VALUE`
 * lines, `#` comments, blank lines, an optional `export ` prefix, and values in
 * single quotes (literal), double quotes (with `\n`, `\"`, `\\` escapes) or bare
 * (an unquoted ` #` starts a comment). A line with a key alone sets nothing: Compose
 * would take it from the shell, which fleetd does not expose to env files.
 *
 * Given a lookup, bare and double-quoted values are interpolated as Compose v2's dotenv
 * does (`DATA=${BASE:-/srv}/app`): a name is looked up first, then in the keys
 * defined above it in the same file; single-quoted values stay literal.
 */
import { interpolate, type Lookup } from "../interpolate.ts"

export interface EnvFileLine {
  readonly key: string
  readonly value: string
}

export interface EnvFileError {
  /** 1-based line in the env file. */
  readonly line: number
  readonly message: string
}

const keyPattern = /^[A-Za-z_][A-Za-z0-9_.-]*$/

/** The value, and whether Compose interpolates it (not in single quotes). */
const unquote = (raw: string): { value: string; literal: boolean } | undefined => {
  if (raw.startsWith("'")) {
    const end = raw.indexOf("'", 1)
    return end < 0 ? undefined : { value: raw.slice(1, end), literal: true }
  }
  if (raw.startsWith('"')) {
    let out = ""
    for (let i = 1; i < raw.length; i++) {
      const c = raw[i]!
      if (c === '"') return { value: out, literal: false }
      if (c === "\\" && i + 1 < raw.length) {
        const n = raw[++i]!
        out += n === "n" ? "\n" : n === "t" ? "\t" : n === "r" ? "\r" : n
      } else out += c
    }
    return undefined
  }
  const comment = raw.search(/\s#/)
  return { value: (comment < 0 ? raw : raw.slice(0, comment)).trim(), literal: false }
}

export interface ParsedEnvFile {
  readonly entries: ReadonlyArray<EnvFileLine>
  readonly errors: ReadonlyArray<EnvFileError>
  /** Variables referenced but set nowhere (interpolated to ""), with their line. */
  readonly unset: ReadonlyArray<{ readonly line: number; readonly name: string }>
}

export const parseEnvFile = (text: string, lookup?: Lookup): ParsedEnvFile => {
  const entries: Array<EnvFileLine> = []
  const errors: Array<EnvFileError> = []
  const unset: Array<{ line: number; name: string }> = []
  const earlier = new Map<string, string>()
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim()
    if (line === "" || line.startsWith("#")) return
    const body = line.startsWith("export ") ? line.slice(7).trimStart() : line
    const eq = body.indexOf("=")
    const key = (eq < 0 ? body : body.slice(0, eq)).trim()
    if (!keyPattern.test(key)) {
      // A line without "=" is not quoted back: it may be a value (a pasted token), and
      // env files are where secrets live.
      const message = eq < 0 ? "expected KEY=VALUE or a variable name" : `invalid variable name "${key}"`
      errors.push({ line: index + 1, message })
      return
    }
    if (eq < 0) return
    const raw = unquote(body.slice(eq + 1).trim())
    if (raw === undefined) {
      errors.push({ line: index + 1, message: `unterminated quote in ${key}` })
      return
    }
    let value = raw.value
    if (lookup !== undefined && !raw.literal) {
      const result = interpolate(value, (name) => lookup(name) ?? earlier.get(name))
      if (result._tag === "error") {
        errors.push({ line: index + 1, message: `${key}: ${result.message}` })
        return
      }
      value = result.value
      for (const name of result.unset) unset.push({ line: index + 1, name })
    }
    earlier.set(key, value)
    entries.push({ key, value })
  })
  return { entries, errors, unset }
}
