/**
 * --verify-commits: whether a fetched revision is signed by one of the operator's keys,
 * checked by git itself (`git verify-commit` / `git verify-tag`), which is the
 * reference for what a valid git signature is. git delegates to ssh-keygen with
 * `gpg.ssh.allowedSignersFile` for SSH signatures and to gpg for OpenPGP ones; gpg runs
 * with a private GNUPGHOME made for this check (mode 0700, removed after), holding only
 * the keys of the operator's file: never a user's keyring. The keys file is read on
 * every check, so a rotated key counts from the next pass without a restart.
 *
 * The commit id is verified, never a branch name: the caller then checks out exactly
 * that id, so a branch moved between fetch and checkout cannot slip past.
 */
import { execFile } from "node:child_process"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duration, Effect } from "effect"
import { sourceHint } from "./classifyGitError.ts"
import type { GitEnvironment } from "./gitEnvironment.ts"
import { type Signer, SourceError } from "./ManifestSource.ts"
import { readVerification } from "./readVerification.ts"

export type KeysFormat = "ssh" | "openpgp"

/** Told apart by content: armored OpenPGP keys, or else an allowed_signers file. */
export const keysFormat = (content: string): KeysFormat =>
  /-----BEGIN PGP PUBLIC KEY BLOCK-----/.test(content) ? "openpgp" : "ssh"

/** An allowed_signers line: principals, optional options, then a key type and base64 key. */
const signerLine = /(^|\s)(ssh-|ecdsa-|sk-)\S+\s+[A-Za-z0-9+/]+={0,3}(\s|$)/

export interface VerifyTarget {
  /** The fetched commit that would be applied. */
  readonly commit: string
  /** Tag mode (--ref names an annotated tag): the tag object's id and its name. */
  readonly tag?: { readonly id: string; readonly name: string }
}

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  /** The program could not be started (not installed). */
  readonly missing: boolean
}

const run = (
  program: string,
  args: ReadonlyArray<string>,
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeout: number,
) =>
  Effect.callback<Run, SourceError>((resume) => {
    // An interrupted sync (shutdown) kills the process rather than leaving it to its deadline.
    const controller = new AbortController()
    execFile(
      program,
      [...args],
      { cwd, env, timeout, maxBuffer: 4 * 1024 * 1024, signal: controller.signal },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
        // Killed at the deadline: the check did not happen, which says nothing about the revision.
        resume(
          error?.killed === true
            ? Effect.fail(
                new SourceError({
                  reason: "Unavailable",
                  message: `${program} ${args.find((a) => !a.startsWith("-") && !a.includes("=")) ?? ""} did not finish within ${timeout} ms while verifying signatures (--verify-commits); the next sync tries again`,
                }),
              )
            : Effect.succeed({ code, stdout, stderr, missing: error?.code === "ENOENT" }),
        )
      },
    )
    return Effect.sync(() => controller.abort())
  })

const invalid = (message: string) => new SourceError({ reason: "Invalid", message })

/** The object's header lines and body, as git stores them. */
const carriesSignature = (kind: "commit" | "tag", raw: string): boolean => {
  if (kind === "commit") {
    const header = raw.split("\n\n")[0] ?? ""
    return /^gpgsig(-sha256)? /m.test(header)
  }
  return /-----BEGIN (PGP|SSH) SIGNATURE-----/.test(raw)
}

/**
 * The last accepted check of one source. An object id names its content and signature
 * for ever, so the same id against the same keys file gives the same answer: a poll that
 * finds nothing new spares the ~100 ms of spawning git, ssh-keygen or gpg. (An OpenPGP
 * key that expires later does not withdraw a revision already accepted; a new revision,
 * or any change to the file, is checked afresh.) Refusals are not remembered.
 */
export interface VerifiedMemory {
  last?: { readonly id: string; readonly keys: string; readonly signer: Signer }
}

export const verifyRevision = (
  keysFile: string,
  dir: string,
  target: VerifyTarget,
  environment: GitEnvironment,
  timeout: Duration.Duration,
  memory: VerifiedMemory = {},
): Effect.Effect<Signer, SourceError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const millis = Duration.toMillis(timeout)
      const content = yield* Effect.tryPromise({
        try: () => readFile(keysFile, "utf8"),
        catch: (e) =>
          invalid(
            `cannot read the keys file of --verify-commits (${keysFile}): ${e instanceof Error ? e.message : String(e)} (check the path and its permissions; nothing is applied until it can be read)`,
          ),
      })
      const id = target.tag?.id ?? target.commit
      const known = memory.last
      if (known !== undefined && known.id === id && known.keys === content) return known.signer
      const format = keysFormat(content)
      if (
        format === "ssh" &&
        !content.split("\n").some((line) => !line.trim().startsWith("#") && signerLine.test(line))
      )
        return yield* invalid(
          `the keys file of --verify-commits (${keysFile}) holds neither an allowed_signers line ("PRINCIPAL ssh-ed25519 AAAA...") nor an armored OpenPGP public key (gpg --armor --export); nothing is applied until it does`,
        )
      // A private GNUPGHOME for every check, even SSH ones: an OpenPGP-signed revision
      // then finds no key at all rather than the user's keyring.
      const home = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "fleetd-gnupg-"))),
        (path) => Effect.promise(() => rm(path, { recursive: true, force: true })),
      )
      const env: NodeJS.ProcessEnv = { ...environment.env, GNUPGHOME: home }
      if (format === "openpgp") {
        const imported = yield* run(
          "gpg",
          ["--batch", "--no-autostart", "--quiet", "--no-tty", "--import", "--", keysFile],
          dir,
          env,
          millis,
        )
        if (imported.missing)
          return yield* invalid(
            `--verify-commits ${keysFile} holds OpenPGP keys but gpg is not installed on this host (install gnupg, or use an SSH allowed_signers file)`,
          )
        if (imported.code !== 0)
          return yield* invalid(
            `cannot import the OpenPGP keys of --verify-commits (${keysFile}): ${imported.stderr.trim().split("\n").slice(0, 3).join("; ")} (export them with gpg --armor --export KEYID)`,
          )
      }
      const kind = target.tag === undefined ? "commit" : "tag"
      const shown =
        target.tag === undefined ? `commit ${target.commit}` : `tag ${target.tag.name} (${target.commit})`
      const object = yield* run("git", ["cat-file", kind, id], dir, env, millis)
      if (object.code !== 0)
        return yield* new SourceError({
          reason: "Unavailable",
          message: `cannot read ${shown} in the checkout to verify it: ${object.stderr.trim()} (the next sync tries again)`,
        })
      if (target.tag !== undefined) {
        // A signed tag of another name, pushed under this one, must not pass for it.
        const header = object.stdout.split("\n\n")[0] ?? ""
        const name = /^tag (.+)$/m.exec(header)?.[1]
        if (name !== target.tag.name)
          return yield* unverified(
            target.commit,
            `${shown} is refused by --verify-commits: the tag object is named ${JSON.stringify(name ?? "")}, not ${JSON.stringify(target.tag.name)} (a signed tag pushed under another name); push a tag signed under this name`,
          )
        // The signature covers the tag, the tag names the commit: it must be this one, directly.
        if (!header.split("\n").includes(`object ${target.commit}`))
          return yield* unverified(
            target.commit,
            `${shown} is refused by --verify-commits: the tag does not point directly at the commit (a tag of a tag); pin a signed tag of the commit itself`,
          )
      }
      const signed = carriesSignature(kind, object.stdout)
      const verified = signed
        ? yield* run(
            "git",
            [
              // ssh-keygen reads the operator's file; for OpenPGP no SSH key may count.
              "-c",
              `gpg.ssh.allowedSignersFile=${format === "ssh" ? keysFile : "/dev/null"}`,
              "-c",
              "gpg.ssh.program=ssh-keygen",
              "-c",
              "gpg.program=gpg",
              "-c",
              "gpg.ssh.revocationFile=",
              kind === "commit" ? "verify-commit" : "verify-tag",
              "--raw",
              id,
            ],
            dir,
            env,
            millis,
          )
        : undefined
      if (verified?.missing === true)
        return yield* invalid("git is not installed on this host (it runs every git source)")
      const result = readVerification(
        verified?.code ?? 1,
        `${verified?.stdout ?? ""}\n${verified?.stderr ?? ""}`,
        signed,
      )
      if (result._tag === "Refused")
        return yield* unverified(
          target.commit,
          `${shown} is refused by --verify-commits: ${result.why} (${
            signed
              ? sourceHint("Unverified")
              : target.tag === undefined
                ? "sign commits with git commit -S, with a key in the keys file"
                : "sign the tag with git tag -s, with a key in the keys file"
          }); the last verified revision keeps running`,
        )
      if (result.signer.format !== format)
        return yield* unverified(
          target.commit,
          `${shown} is refused by --verify-commits: it is signed with an ${result.signer.format} key, but the keys file holds ${format} keys (${sourceHint("Unverified")})`,
        )
      const signer: Signer = { ...result.signer, object: kind }
      memory.last = { id, keys: content, signer }
      return signer
    }),
  )

const unverified = (revision: string, message: string) =>
  new SourceError({ reason: "Unverified", revision, message })
