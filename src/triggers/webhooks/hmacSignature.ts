import { createHmac, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"

/** `sha256=<hex>` (GitHub, Bitbucket, generic) or bare `<hex>` (Gitea, Forgejo). */
export type SignatureFormat = "prefixed" | "bare"

const sha256Hex = /^[0-9a-fA-F]{64}$/
const algorithmName = /^[a-zA-Z0-9-]{1,16}$/

/**
 * Parses a signature header into the 32 digest bytes, or says why it is unusable.
 * Truncated, over-long and non-hex values are all refused here, before any
 * comparison, so the constant-time compare always sees two 32-byte buffers.
 */
export const parseSignature = (
  headerName: string,
  value: string | undefined,
  format: SignatureFormat,
):
  | { readonly _tag: "Ok"; readonly digest: Buffer }
  | { readonly _tag: "Invalid"; readonly reason: string } => {
  if (value === undefined) return { _tag: "Invalid", reason: `missing ${headerName} header` }
  let hex = value.trim()
  if (format === "prefixed") {
    const eq = hex.indexOf("=")
    if (eq < 0) return { _tag: "Invalid", reason: `${headerName} is not of the form sha256=<hex>` }
    const algorithm = hex.slice(0, eq)
    if (algorithm.toLowerCase() !== "sha256") {
      // Echo the algorithm only when it looks like one: the header is attacker-controlled.
      const shown = algorithmName.test(algorithm) ? algorithm.toLowerCase() : "an unsupported algorithm"
      return { _tag: "Invalid", reason: `${headerName} uses ${shown}; sha256 is required` }
    }
    hex = hex.slice(eq + 1)
  }
  if (!sha256Hex.test(hex)) return { _tag: "Invalid", reason: `${headerName} is not 64 hex digits` }
  return { _tag: "Ok", digest: Buffer.from(hex, "hex") }
}

/**
 * Checks an HMAC-SHA256 signature of the raw body. Returns undefined when it matches,
 * else the reason it does not. The comparison is constant-time over equal-length
 * digests.
 */
export const checkHmacSha256 = (
  body: Uint8Array,
  secret: Redacted.Redacted<string>,
  headerName: string,
  value: string | undefined,
  format: SignatureFormat,
): string | undefined => {
  const parsed = parseSignature(headerName, value, format)
  if (parsed._tag === "Invalid") return parsed.reason
  const expected = createHmac("sha256", Redacted.value(secret)).update(body).digest()
  return timingSafeEqual(expected, parsed.digest) ? undefined : `${headerName} does not match the body`
}
