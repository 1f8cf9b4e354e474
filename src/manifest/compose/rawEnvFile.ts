/**
 * `env_file` with `format: raw`: the parser of `docker run --env-file` (docker's
 * kvfile, which docker compose registers as "raw"). Each line is `KEY=VALUE` taken
 * literally: no quotes removed, no interpolation, no inline comments. Blank lines and
 * lines starting with `#` are skipped; a key alone takes its value from the lookup and
 * is skipped when the lookup has none; a key with whitespace is an error.
 */
import type { ParsedEnvFile } from "./envFile.ts"

export const parseRawEnvFile = (text: string, lookup: (key: string) => string | undefined): ParsedEnvFile => {
  const entries: Array<{ key: string; value: string }> = []
  const errors: Array<{ line: number; message: string }> = []
  for (const [i, rawLine] of text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .entries()) {
    const line = rawLine.trimStart()
    if (line === "" || line.startsWith("#")) continue
    const eq = line.indexOf("=")
    const key = eq < 0 ? line : line.slice(0, eq)
    if (/\s/.test(key)) {
      errors.push({ line: i + 1, message: `variable "${key}" contains whitespace` })
      continue
    }
    if (eq >= 0) entries.push({ key, value: line.slice(eq + 1) })
    else {
      const value = lookup(key)
      if (value !== undefined) entries.push({ key, value })
    }
  }
  return { entries, errors, unset: [] }
}
