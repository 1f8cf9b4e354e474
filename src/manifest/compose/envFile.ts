/**
 * Reads `.env` and `env_file` files in the format Compose accepts: `KEY=VALUE`
 * lines, `#` comments, blank lines, an optional `export ` prefix, and values in
 * single quotes (literal), double quotes (with `\n`, `\"`, `\\` escapes) or bare
 * (an unquoted ` #` starts a comment). A line with a key alone sets nothing: Compose
 * would take it from the shell, which fleetd does not expose to env files.
 */
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

const unquote = (raw: string): string | undefined => {
  if (raw.startsWith("'")) {
    const end = raw.indexOf("'", 1)
    return end < 0 ? undefined : raw.slice(1, end)
  }
  if (raw.startsWith('"')) {
    let out = ""
    for (let i = 1; i < raw.length; i++) {
      const c = raw[i]!
      if (c === '"') return out
      if (c === "\\" && i + 1 < raw.length) {
        const n = raw[++i]!
        out += n === "n" ? "\n" : n === "t" ? "\t" : n === "r" ? "\r" : n
      } else out += c
    }
    return undefined
  }
  const comment = raw.search(/\s#/)
  return (comment < 0 ? raw : raw.slice(0, comment)).trim()
}

export const parseEnvFile = (
  text: string,
): { readonly entries: ReadonlyArray<EnvFileLine>; readonly errors: ReadonlyArray<EnvFileError> } => {
  const entries: Array<EnvFileLine> = []
  const errors: Array<EnvFileError> = []
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim()
    if (line === "" || line.startsWith("#")) return
    const body = line.startsWith("export ") ? line.slice(7).trimStart() : line
    const eq = body.indexOf("=")
    const key = (eq < 0 ? body : body.slice(0, eq)).trim()
    if (!keyPattern.test(key)) {
      errors.push({ line: index + 1, message: `invalid variable name "${key}"` })
      return
    }
    if (eq < 0) return
    const value = unquote(body.slice(eq + 1).trim())
    if (value === undefined) errors.push({ line: index + 1, message: `unterminated quote in ${key}` })
    else entries.push({ key, value })
  })
  return { entries, errors }
}
