import { createHash, timingSafeEqual } from "node:crypto"

const digest = (value: string | Uint8Array): Buffer => createHash("sha256").update(value).digest()

/**
 * Compares two secrets in constant time. Both sides are hashed first so the buffers
 * handed to `timingSafeEqual` always have the same length: neither the comparison
 * time nor an early length check reveals how long the secret is.
 */
export const safeEqual = (a: string | Uint8Array, b: string | Uint8Array): boolean =>
  timingSafeEqual(digest(a), digest(b))
