/**
 * Decrypts the SOPS-encrypted files a manifest refers to, in memory, before the pure
 * pipeline reads them: the fact's content becomes the cleartext (so the content hash,
 * and with it replacement, follows the values, not the data key or the IVs a
 * re-encryption changes), and a file that cannot be decrypted keeps a `sopsError`
 * that referenceIssue.ts reports at the reference. Nothing is written to disk.
 *
 * An `env_file` must be SOPS dotenv; a `secrets:`/`configs:` file may be any format
 * sops writes (YAML, JSON, dotenv, binary) and is marked `decrypted`, so it is copied
 * into the container as content rather than bind-mounted (normalizeSecrets.ts). A file
 * also referenced otherwise (a bind mount) is left as it is: the container reads it.
 */
import { basename } from "node:path"
import { Effect, FileSystem } from "effect"
import { parseAgeIdentities } from "../sops/ageIdentities.ts"
import { decryptSops } from "../sops/decryptSops.ts"
import { looksLikeSops } from "../sops/sopsDocument.ts"
import type { FileFact, FileRef, SopsIssue } from "./manifestFiles.ts"

/** The age key file the operator named, if any: FLEETD_AGE_KEY_FILE, else sops's own SOPS_AGE_KEY_FILE. */
export const ageKeyFileFrom = (env: Readonly<Record<string, string | undefined>>): string | undefined =>
  env["FLEETD_AGE_KEY_FILE"] || env["SOPS_AGE_KEY_FILE"] || undefined

type Keys = { readonly identities: ReadonlyArray<string>; readonly file: string } | SopsIssue

const start = { line: 1, column: 1 }

/** Reads the key file; a problem with it is reported at each encrypted file, never quoting a line. */
const readKeys = Effect.fnUntraced(function* (keyFile: string | undefined) {
  if (keyFile === undefined) return { identities: [], file: "" } satisfies Keys
  const fs = yield* FileSystem.FileSystem
  const text = yield* Effect.result(fs.readFileString(keyFile))
  if (text._tag === "Failure")
    return {
      ...start,
      message: `this file is encrypted with SOPS, and the age key file ${keyFile} cannot be read`,
      hint: "check FLEETD_AGE_KEY_FILE (or SOPS_AGE_KEY_FILE): it must name a file fleetd can read",
    } satisfies Keys
  const { identities, badLines } = parseAgeIdentities(text.success)
  if (badLines.length > 0 || identities.length === 0)
    return {
      ...start,
      message:
        badLines.length > 0
          ? `the age key file ${keyFile} has lines that are not age keys (line ${badLines.join(", ")})`
          : `the age key file ${keyFile} holds no age key`,
      hint: "the file should be age-keygen output: one AGE-SECRET-KEY-1… per line, # comments",
    } satisfies Keys
  return { identities, file: keyFile } satisfies Keys
})

/** The cleartext of one encrypted file, or why not. */
const decryptOne = Effect.fnUntraced(function* (
  text: string,
  relative: string,
  keys: Keys,
  envFile: boolean,
) {
  if ("message" in keys) return keys
  // decryptSops answers every malformed file it knows of with a SopsError; anything it
  // did not foresee in a user's file is still that file's problem, never a defect of the pass.
  const result = yield* Effect.tryPromise(() =>
    decryptSops(text, basename(relative), keys.identities, keys.file),
  ).pipe(
    Effect.orElseSucceed(() => ({
      _tag: "SopsError" as const,
      message: "this SOPS file cannot be read: it is malformed",
      at: start,
      hint: "encrypt the file again with sops rather than editing it by hand",
    })),
  )
  if (result._tag === "SopsError")
    return {
      message: result.message,
      ...result.at,
      ...(result.hint === undefined ? {} : { hint: result.hint }),
    }
  if (envFile && result.format !== "dotenv")
    return {
      ...start,
      message: `this env_file is a SOPS ${result.format} file; an env_file must be SOPS dotenv`,
      hint: "encrypt the env file itself: sops --encrypt --input-type dotenv app.env",
    }
  return { cleartext: result.bytes, format: result.format }
})

/**
 * The project's `.env` (the interpolation variables beside the compose file), decrypted
 * in memory when it is SOPS dotenv; a plain one is returned as it is.
 */
export const decryptDotEnv = Effect.fn("decryptDotEnv")(function* (
  text: string,
  ageKeyFile: string | undefined,
) {
  if (!looksLikeSops(text)) return { text }
  const result = yield* decryptOne(text, ".env", yield* readKeys(ageKeyFile), false)
  if (!("cleartext" in result)) return result
  if (result.format !== "dotenv")
    return {
      ...start,
      message: `this .env is a SOPS ${result.format} file; .env must be SOPS dotenv`,
      hint: "encrypt it as dotenv: sops --encrypt --input-type dotenv --output-type dotenv",
    } satisfies SopsIssue
  return { text: new TextDecoder().decode(result.cleartext) }
})

export const decryptSopsFiles = Effect.fn("decryptSopsFiles")(function* (
  facts: ReadonlyMap<string, FileFact>,
  refs: ReadonlyArray<FileRef>,
  ageKeyFile: string | undefined,
) {
  const kinds = new Map<string, Set<FileRef["kind"]>>()
  for (const ref of refs) kinds.set(ref.relative, (kinds.get(ref.relative) ?? new Set()).add(ref.kind))
  let keys: Keys | undefined
  const out = new Map(facts)
  for (const [relative, fact] of facts) {
    const used = [...(kinds.get(relative) ?? [])]
    const envFile = used.length > 0 && used.every((k) => k === "env_file")
    const fileObject = used.length > 0 && used.every((k) => k === "secret" || k === "config")
    if (fact.kind !== "file" || !(envFile || fileObject)) continue
    const text = new TextDecoder().decode(fact.content)
    if (!looksLikeSops(text)) continue
    // Read once per load, and only when an encrypted file needs it.
    keys ??= yield* readKeys(ageKeyFile)
    const result: { readonly cleartext: Uint8Array } | SopsIssue = yield* decryptOne(
      text,
      relative,
      keys,
      envFile,
    )
    out.set(
      relative,
      "cleartext" in result
        ? { ...fact, content: result.cleartext, decrypted: true as const }
        : { ...fact, content: new Uint8Array(), sopsError: result },
    )
  }
  return out
})
