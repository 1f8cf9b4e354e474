import { createHash, createHmac } from "node:crypto"
import { boundedMemo } from "./boundedMemo.ts"
import type { ContainerSpec } from "./ContainerSpec.ts"

/** JSON with object keys sorted at every depth, so equal values hash equally. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v
    const sorted: Record<string, unknown> = {}
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key]
    return sorted
  })

export const sha256Hex = (data: string | Uint8Array): string =>
  createHash("sha256").update(data).digest("hex")

/**
 * The hash of a secret's or config's content in the spec: HMAC-SHA256 with the host's
 * key (manifest/secretHashKey.ts), so the labels computed from it cannot be used to test
 * guesses of the value. Plain SHA-256 only where no key is given (pure tests, benches).
 */
export const contentDigest =
  (key: Uint8Array | undefined) =>
  (data: string | Uint8Array): string =>
    key === undefined ? sha256Hex(data) : createHmac("sha256", key).update(data).digest("hex")

/** A file the spec refers to (env_file, a bind-mounted regular file), by content. */
export interface ReferencedFile {
  /** Path relative to the manifest's directory. */
  readonly path: string
  readonly sha256: string
}

/**
 * Hash of what the service asks for, excluding the image id: the normalized spec and
 * the contents of the files it references, so editing an env_file or a mounted config
 * file changes it even though fleet.yaml did not change.
 */
export const configHash = (spec: ContainerSpec, files: ReadonlyArray<ReferencedFile>): string =>
  sha256Hex(
    canonicalJson({
      spec,
      files: [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    }),
  )

/** Spec hashes a daemon's passes keep asking for: its fleets' services, each a few image ids over time. */
const specHashes = boundedMemo(sha256Hex, 20_000)

/**
 * The `fleetd.spec-hash` label: the config hash bound to the image id it was created from.
 * Remembered: every pass plans every service, and the answer never changes.
 */
export const specHash = (config: string, imageId: string | undefined): string =>
  specHashes(`${config}\n${imageId ?? ""}`)
