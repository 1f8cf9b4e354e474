import { createHash, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"

/** How an `Authorization` header compares with the configured token. */
export type BearerCheck = "ok" | "missing" | "wrong"

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest()

/**
 * Checks `Authorization: Bearer <token>` against `token`. The comparison is constant
 * time over SHA-256 digests, so neither the token's content nor its length leaks
 * through timing. The header's value is never logged or echoed.
 */
export const checkBearer = (header: string | undefined, token: Redacted.Redacted<string>): BearerCheck => {
  const match = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
  if (match === null) return "missing"
  return timingSafeEqual(digest(match[1] ?? ""), digest(Redacted.value(token))) ? "ok" : "wrong"
}
