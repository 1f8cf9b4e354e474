/**
 * Values the manifest read from the host (fleetd's environment and `.env`, through
 * interpolation or an `environment:` secret) may be secrets, and a value interpolated
 * into a field that fails validation would otherwise be quoted back in the error, and
 * so in `/status`, the page, notifications and logs. Every such value is remembered as
 * it is looked up, and replaced by `${NAME}` in the manifest's issues and warnings: the
 * message still says which variable to fix, at the same position.
 */
import type { Lookup } from "./interpolate.ts"
import type { ManifestIssue } from "./ManifestError.ts"

/**
 * Shorter values are left alone: they would turn common words of fleetd's own messages
 * into variable names (`VERSION=2`, `MODE=always`), and a secret that short is guessed
 * without any help from an error message.
 */
const minLength = 6

export interface InterpolationRedactor {
  /** `lookup`, remembering each value it gives. */
  readonly lookup: Lookup
  /** `text` with every remembered value replaced by `${NAME}`, the longest first. */
  readonly redact: (text: string) => string
  readonly redactIssue: (issue: ManifestIssue) => ManifestIssue
}

export const redactInterpolated = (lookup: Lookup): InterpolationRedactor => {
  const seen = new Map<string, string>()
  const redact = (text: string) => {
    let out = text
    for (const [value, name] of [...seen].sort((a, b) => b[0].length - a[0].length))
      out = out.replaceAll(value, `\${${name}}`)
    return out
  }
  return {
    lookup: (name) => {
      const value = lookup(name)
      if (value !== undefined && value.length >= minLength && !seen.has(value)) seen.set(value, name)
      return value
    },
    redact,
    redactIssue: (issue) => ({
      ...issue,
      message: redact(issue.message),
      ...(issue.hint === undefined ? {} : { hint: redact(issue.hint) }),
    }),
  }
}
