/**
 * Real signing keys for --verify-commits tests: SSH keys from ssh-keygen (an
 * allowed_signers file as the operator writes it) and OpenPGP keys made by gpg in a
 * private GNUPGHOME (batch, no passphrase, ed25519). A GitRemote's clone is told to sign
 * with one (or not at all) through its own git config, never the machine's.
 */
import { execFileSync } from "node:child_process"
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import type { GitRemote } from "./gitRemote.ts"

export interface SigningKey {
  readonly format: "ssh" | "openpgp"
  /** `SHA256:...` (SSH) or the primary key's fingerprint (OpenPGP). */
  readonly fingerprint: string
  /** The allowed_signers principal, or the OpenPGP user id. */
  readonly principal: string
  /** What the operator puts in the keys file: an allowed_signers line, or the armored public key. */
  readonly trust: string
  /** git config entries that make a clone sign with this key. */
  readonly gitConfig: ReadonlyArray<readonly [string, string]>
}

const run = (program: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(program, [...args], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim()

/** An ed25519 SSH key in `dir` (which must exist), trusted as `principal` by its allowed_signers line. */
export const makeSshKey = (dir: string, name: string, principal: string): SigningKey => {
  const key = join(dir, name)
  run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key])
  const publicKey = readFileSync(`${key}.pub`, "utf8").trim()
  const fingerprint = /SHA256:\S+/.exec(run("ssh-keygen", ["-l", "-f", `${key}.pub`]))?.[0] ?? ""
  return {
    format: "ssh",
    fingerprint,
    principal,
    trust: `${principal} ${publicKey}\n`,
    gitConfig: [
      ["gpg.format", "ssh"],
      ["user.signingkey", key],
    ],
  }
}

/**
 * An ed25519 OpenPGP key in a private GNUPGHOME under `dir`; git signs through a wrapper
 * that points gpg at it. Making and using a secret key starts a gpg-agent for that
 * home: it is stopped when the scope closes.
 */
export const makeOpenPgpKey = (dir: string, name: string, email: string) =>
  Effect.acquireRelease(
    Effect.sync(() => openPgpKey(dir, name, email)),
    () =>
      Effect.sync(() => {
        try {
          run("gpgconf", ["--homedir", join(dir, `${name}-gnupg`), "--kill", "gpg-agent"])
        } catch {
          // No agent was started.
        }
      }),
  )

const openPgpKey = (dir: string, name: string, email: string): SigningKey => {
  const home = join(dir, `${name}-gnupg`)
  mkdirSync(home, { mode: 0o700 })
  const env = { ...process.env, GNUPGHOME: home }
  const uid = `${name} <${email}>`
  run("gpg", ["--batch", "--passphrase", "", "--quick-generate-key", uid, "ed25519", "sign", "never"], env)
  const fingerprint =
    run("gpg", ["--batch", "--with-colons", "--list-keys", email], env)
      .split("\n")
      .find((l) => l.startsWith("fpr:"))
      ?.split(":")[9] ?? ""
  const armored = run("gpg", ["--batch", "--armor", "--export", fingerprint], env)
  const program = join(dir, `${name}-gpg.sh`)
  writeFileSync(program, `#!/bin/sh\nexec gpg --homedir '${home}' "$@"\n`)
  chmodSync(program, 0o755)
  return {
    format: "openpgp",
    fingerprint,
    principal: uid,
    trust: `${armored}\n`,
    gitConfig: [
      ["gpg.format", "openpgp"],
      ["gpg.program", program],
      ["user.signingkey", fingerprint],
    ],
  }
}

/** From now on the clone's commits and tags are signed with `key`, or not signed (`undefined`). */
export const signWith = (remote: GitRemote, key: SigningKey | undefined) => {
  if (key === undefined) {
    remote.git("config", "commit.gpgsign", "false")
    return
  }
  for (const [name, value] of key.gitConfig) remote.git("config", name, value)
  remote.git("config", "commit.gpgsign", "true")
}

/**
 * A forgery: `commit`'s object (signature included) with its message changed, written
 * as a new commit and pushed as the branch head. The signature no longer matches.
 */
export const pushForgedCommit = (remote: GitRemote, commit: string, branch = "main"): string => {
  const raw = remote.git("cat-file", "commit", commit)
  const forged = execFileSync("git", ["hash-object", "-t", "commit", "-w", "--stdin"], {
    cwd: remote.work,
    input: `${raw}\nforged line\n`,
    encoding: "utf8",
  }).trim()
  remote.git("push", "--quiet", "--force", "origin", `${forged}:refs/heads/${branch}`)
  return forged
}
