/**
 * The host's key for hashing secret content (contentDigest in domain/specHash.ts). The
 * change hash of a service, stored in its container's labels, includes a hash of every
 * secret and config it is given; with a plain SHA-256 whoever reads the labels (a
 * read-only socket proxy is enough) could test guesses of a short secret against them.
 * Keyed with 32 random bytes that never leave the host, the labels say nothing about the
 * values, yet stay the same from pass to pass and restart to restart, so nothing is
 * replaced needlessly.
 *
 * Kept as hex in `FLEETD_HASH_KEY_FILE`, else `<data dir>/hash.key`: `fleetd run` and
 * `fleetd apply` agree when they share the data directory (or that variable).
 */
import { randomBytes } from "node:crypto"
import { dirname, join } from "node:path"
import { Effect, FileSystem } from "effect"

/** Where the key lives for a data directory (`--data-dir`, FLEETD_DATA_DIR, default `.fleetd`). */
export const hashKeyPath = (env: Readonly<Record<string, string | undefined>>, dataDir: string): string =>
  env["FLEETD_HASH_KEY_FILE"] || join(dataDir, "hash.key")

/** The data directory the one-shot commands share with `fleetd run` by default. */
export const cliDataDir = (env: Readonly<Record<string, string | undefined>>): string =>
  env["FLEETD_DATA_DIR"] || ".fleetd"

const parse = (text: string): Uint8Array | undefined => {
  const hex = text.trim()
  return /^[0-9a-f]{64}$/.test(hex) ? new Uint8Array(Buffer.from(hex, "hex")) : undefined
}

/**
 * The key at `path`. Missing, it is created (mode 0600, never over an existing file, so
 * two processes starting at once agree on one) when `create`; otherwise a fresh key is
 * used for this run only (`validate` and `plan` write nothing: their plan then shows what
 * `apply`, creating the key, would do). A file that is not a key is an error naming it.
 */
export const readHashKey = Effect.fn("readHashKey")(function* (path: string, create: boolean) {
  const fs = yield* FileSystem.FileSystem
  const read = Effect.flatMap(fs.readFileString(path), (text) => {
    const key = parse(text)
    return key === undefined
      ? Effect.fail(
          new Error(
            `the hash key file ${path} does not hold a key (64 hex digits); remove it and fleetd makes a new one (services with secrets are then replaced once)`,
          ),
        )
      : Effect.succeed(key)
  })
  if (yield* fs.exists(path)) return yield* read
  const fresh = new Uint8Array(randomBytes(32))
  if (!create) return fresh
  yield* fs.makeDirectory(dirname(path), { recursive: true })
  const written = yield* Effect.result(
    fs.writeFileString(path, `${Buffer.from(fresh).toString("hex")}\n`, { flag: "wx", mode: 0o600 }),
  )
  // Lost a race with another fleetd creating it: use theirs.
  return written._tag === "Success" ? fresh : yield* read
})
