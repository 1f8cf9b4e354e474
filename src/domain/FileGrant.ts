import type { Redacted } from "effect"

/**
 * A Compose secret or config as one container gets it (normalizeSecrets.ts), the way
 * `docker compose` gives it on a single engine: a file of the repository is
 * bind-mounted read-only (uid, gid and mode cannot apply to a bind, Compose ignores
 * them there too); a value (`environment:`, or a config's `content:`) is copied into
 * the container after create and before every start, with uid, gid and mode.
 */
export interface FileGrant {
  /** Its key under the top-level `secrets:` or `configs:`. */
  readonly source: string
  /** Absolute path in the container. */
  readonly target: string
  readonly from: FileGrantSource
}

export type FileGrantSource =
  | {
      readonly type: "file"
      /** Real path on the host, inside the repository (its content is hashed as a referenced file). */
      readonly path: string
    }
  | {
      readonly type: "content"
      /** Hashed with the spec, so a changed value replaces the container. */
      readonly sha256: string
      /**
       * Redacted: a spec printed or serialized by mistake shows `<redacted>`, never the value.
       * Bytes for a decrypted SOPS file, copied in exactly; text (written as UTF-8) otherwise.
       */
      readonly content: Redacted.Redacted<string | Uint8Array>
      readonly uid: number
      readonly gid: number
      /** Permission bits, e.g. 0o444 (Compose's default). */
      readonly mode: number
    }

/** Grants whose value is copied in before start; none means nothing to copy. */
export const copiedGrants = (grants: {
  readonly secrets?: ReadonlyArray<FileGrant>
  readonly configs?: ReadonlyArray<FileGrant>
}): ReadonlyArray<FileGrant & { readonly from: Extract<FileGrantSource, { type: "content" }> }> =>
  [...(grants.secrets ?? []), ...(grants.configs ?? [])].flatMap((g) =>
    g.from.type === "content" ? [{ ...g, from: g.from }] : [],
  )
