import { createHash } from "node:crypto"
import { Duration, Redacted } from "effect"
import type { ConfiguredSource } from "../config/loadConfigFile.ts"

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex")

/** Plain data for JSON: secrets as hashes, durations as milliseconds (before any toJSON runs). */
const plain = (value: unknown): unknown => {
  if (Redacted.isRedacted(value))
    return `sha256:${sha256(Redacted.value(value as Redacted.Redacted<string>))}`
  if (Duration.isDuration(value)) return `${Duration.toMillis(value)}ms`
  if (Array.isArray(value)) return value.map(plain)
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  return value
}

/**
 * What decides whether a reload restarts a source: everything it was configured with,
 * secrets included (as hashes, so a rotated secret file restarts it and no secret is
 * kept in the clear). Equal fingerprints: the source keeps running untouched.
 */
export const sourceFingerprint = (source: ConfiguredSource): string => {
  // Notifications are the daemon's, set up at start-up: a change to them restarts no source.
  const { notify: _notify, publicUrl: _publicUrl, ...settings } = source.settings
  return JSON.stringify(plain({ ...source, settings }))
}
