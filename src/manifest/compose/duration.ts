/**
 * Compose durations are Go `time.ParseDuration` strings (`1m30s`, `10s`, `500ms`,
 * `1.5h`). A bare number is not accepted: Compose itself rejects it, and guessing a
 * unit would silently change a stop timeout by a factor of a thousand.
 */
const unitNs: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
}

const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y

/** Nanoseconds, or undefined when `text` is not a Compose duration. */
export const parseDuration = (text: string): number | undefined => {
  if (text === "0") return 0
  if (text.length === 0 || text.length > 64) return undefined
  let total = 0
  part.lastIndex = 0
  while (part.lastIndex < text.length) {
    const match = part.exec(text)
    if (match === null) return undefined
    const [, value, unit] = match
    total += Number(value) * (unitNs[unit ?? ""] ?? Number.NaN)
  }
  return Number.isFinite(total) ? Math.round(total) : undefined
}

export const durationHint = "a duration such as 10s, 1m30s or 500ms"
