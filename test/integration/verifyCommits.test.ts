import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, type Scope } from "effect"
import type { GitConfig } from "../../src/source/checkGitInputs.ts"
import { GitSource } from "../../src/source/GitSource.ts"
import { gitEnvironment } from "../../src/source/gitEnvironment.ts"
import { ManifestSource, type SourceError } from "../../src/source/ManifestSource.ts"
import { verifyRevision } from "../../src/source/verifyRevision.ts"
import { makeGitRemote, tempDir } from "../support/gitRemote.ts"
import {
  makeOpenPgpKey,
  makeSshKey,
  pushForgedCommit,
  type SigningKey,
  signWith,
} from "../support/signingKeys.ts"

/** The git source's settings with --verify-commits FILE. */
const verifyConfig = (repo: string, keysFile: string, ref?: string): GitConfig => ({
  _tag: "Git",
  repo,
  branch: "main",
  ref,
  sshKeyFile: undefined,
  knownHostsFile: undefined,
  httpsToken: undefined,
  timeout: Duration.seconds(20),
  verifyCommits: keysFile,
})

/** A git source with --verify-commits FILE, checked out in a fresh directory. */
const verifyingSource = (repo: string, keysFile: string, ref?: string) =>
  Effect.gen(function* () {
    const dir = join(yield* tempDir("verify-checkout"), "repo")
    const config = verifyConfig(repo, keysFile, ref)
    const source = yield* Effect.provide(
      Effect.gen(function* () {
        return yield* ManifestSource
      }),
      GitSource.layer(config, dir),
    )
    return { source, dir }
  })

const refusal = (sync: Effect.Effect<unknown, SourceError>) =>
  Effect.flip(sync).pipe(Effect.map((e) => ({ reason: e.reason, revision: e.revision, message: e.message })))

const content = (dir: string) => readFileSync(join(dir, "fleet.yaml"), "utf8")

/** Everything a format must do: accept its key, refuse unsigned, unknown-key and forged revisions, recover. */
const contract = (
  format: string,
  makeKeys: (dir: string) => Effect.Effect<readonly [SigningKey, SigningKey], never, Scope.Scope>,
) =>
  it.live(
    `${format}: a signed head is applied; unsigned, unknown-key and forged heads are refused before checkout`,
    () =>
      Effect.gen(function* () {
        const keys = yield* tempDir("verify-keys")
        const [trusted, stranger] = yield* makeKeys(keys)
        const keysFile = join(keys, "trusted")
        writeFileSync(keysFile, trusted.trust)
        const remote = yield* makeGitRemote()
        signWith(remote, trusted)
        const good = remote.commit({ "fleet.yaml": "services: {}\n# good\n" })
        remote.push()
        const { source, dir } = yield* verifyingSource(remote.url, keysFile)

        const first = yield* source.sync
        expect(first.revision).toBe(good)
        expect(first.signer).toEqual({
          format: trusted.format,
          fingerprint: trusted.fingerprint,
          principal: trusted.principal,
          object: "commit",
        })

        // Unsigned.
        signWith(remote, undefined)
        const unsigned = remote.commit({ "fleet.yaml": "services: {}\n# unsigned\n" })
        remote.push()
        const noSignature = yield* refusal(source.sync)
        expect(noSignature).toMatchObject({ reason: "Unverified", revision: unsigned })
        expect(noSignature.message).toContain(
          `commit ${unsigned} is refused by --verify-commits: it is not signed`,
        )
        expect(noSignature.message).toContain("git commit -S")
        // Never checked out: the worktree still holds the last verified revision.
        expect(content(dir)).toContain("# good")

        // Signed by a key the operator does not trust.
        signWith(remote, stranger)
        const unknown = remote.commit({ "fleet.yaml": "services: {}\n# stranger\n" })
        remote.push()
        const notTrusted = yield* refusal(source.sync)
        expect(notTrusted).toMatchObject({ reason: "Unverified", revision: unknown })
        expect(notTrusted.message).toContain("not in the")
        expect(notTrusted.message).toContain(stranger.fingerprint.slice(-16))
        expect(content(dir)).toContain("# good")

        // Forged: a trusted signature over content it was not made for.
        signWith(remote, trusted)
        const signed = remote.commit({ "fleet.yaml": "services: {}\n# signed\n" })
        const forged = pushForgedCommit(remote, signed)
        const badSignature = yield* refusal(source.sync)
        expect(badSignature).toMatchObject({ reason: "Unverified", revision: forged })
        expect(badSignature.message).toContain("does not match its content")
        expect(content(dir)).toContain("# good")

        // A later signed revision recovers.
        remote.git("reset", "--quiet", "--hard", signed)
        const recovered = remote.commit({ "fleet.yaml": "services: {}\n# recovered\n" })
        remote.push({ force: true })
        const after = yield* source.sync
        expect(after.revision).toBe(recovered)
        expect(after.signer?.fingerprint).toBe(trusted.fingerprint)
        expect(content(dir)).toContain("# recovered")
      }),
  )

describe("--verify-commits on the git source", () => {
  contract("SSH", (dir) =>
    Effect.succeed([
      makeSshKey(dir, "alice", "alice@example.com"),
      makeSshKey(dir, "mallory", "mallory@example.com"),
    ] as const),
  )
  contract("OpenPGP", (dir) =>
    Effect.all([
      makeOpenPgpKey(dir, "bob", "bob@example.com"),
      makeOpenPgpKey(dir, "eve", "eve@example.com"),
    ]),
  )

  it.live(
    "a key added to the file lets the refused head through on the next sync, without a new commit; a key removed refuses it again",
    () =>
      Effect.gen(function* () {
        const keys = yield* tempDir("verify-keys")
        const alice = makeSshKey(keys, "alice", "alice@example.com")
        const carol = makeSshKey(keys, "carol", "carol@example.com")
        const keysFile = join(keys, "allowed_signers")
        writeFileSync(keysFile, alice.trust)
        const remote = yield* makeGitRemote()
        signWith(remote, carol)
        const head = remote.commit({ "fleet.yaml": "services: {}\n# carol\n" })
        remote.push()
        const { source } = yield* verifyingSource(remote.url, keysFile)
        expect((yield* refusal(source.sync)).reason).toBe("Unverified")
        writeFileSync(keysFile, `# rotated\n${alice.trust}${carol.trust}`)
        const synced = yield* source.sync
        expect(synced.revision).toBe(head)
        expect(synced.signer?.principal).toBe("carol@example.com")
        // Accepted once is not accepted for ever: removing the key refuses the same head again.
        expect((yield* source.sync).revision).toBe(head)
        writeFileSync(keysFile, alice.trust)
        expect((yield* refusal(source.sync)).message).toContain("not in the allowed_signers file")
      }),
  )

  it.live("tag mode: a pinned signed tag is verified as a tag; a lightweight or renamed tag is refused", () =>
    Effect.gen(function* () {
      const keys = yield* tempDir("verify-keys")
      const alice = makeSshKey(keys, "alice", "alice@example.com")
      const keysFile = join(keys, "allowed_signers")
      writeFileSync(keysFile, alice.trust)
      const remote = yield* makeGitRemote()
      signWith(remote, alice)
      // The commit itself is unsigned: in tag mode only the tag's signature counts.
      remote.git("config", "commit.gpgsign", "false")
      const commit = remote.commit({ "fleet.yaml": "services: {}\n# v1\n" })
      remote.git("tag", "-s", "-m", "release v1", "v1")
      remote.git("tag", "v1-light")
      // A signed tag object named v1, pushed again under the name v2.
      const tagObject = remote.git("rev-parse", "v1")
      remote.git("update-ref", "refs/tags/v2", tagObject)
      remote.push()
      remote.git("push", "--quiet", "origin", "refs/tags/v1", "refs/tags/v1-light", "refs/tags/v2")

      const pinned = yield* verifyingSource(remote.url, keysFile, "v1")
      const synced = yield* pinned.source.sync
      expect(synced.revision).toBe(commit)
      expect(synced.signer).toMatchObject({ object: "tag", principal: "alice@example.com" })

      const light = yield* verifyingSource(remote.url, keysFile, "v1-light")
      const lightweight = yield* refusal(light.source.sync)
      expect(lightweight).toMatchObject({ reason: "Unverified", revision: commit })
      expect(lightweight.message).toContain("lightweight tag")
      expect(existsSync(join(light.dir, "fleet.yaml"))).toBe(false)

      const renamed = yield* verifyingSource(remote.url, keysFile, "v2")
      const moved = yield* refusal(renamed.source.sync)
      expect(moved.message).toContain('the tag object is named "v1", not "v2"')
    }),
  )

  it.live(
    "a keys file that is missing or holds no key is a source error that says so; nothing is checked out",
    () =>
      Effect.gen(function* () {
        const keys = yield* tempDir("verify-keys")
        const remote = yield* makeGitRemote()
        const missing = yield* verifyingSource(remote.url, join(keys, "nope"))
        const unreadable = yield* refusal(missing.source.sync)
        expect(unreadable.reason).toBe("Invalid")
        expect(unreadable.message).toContain(
          `cannot read the keys file of --verify-commits (${join(keys, "nope")})`,
        )
        expect(existsSync(join(missing.dir, "fleet.yaml"))).toBe(false)

        const empty = join(keys, "empty")
        writeFileSync(empty, "# nobody yet\n")
        const nobody = yield* refusal((yield* verifyingSource(remote.url, empty)).source.sync)
        expect(nobody.reason).toBe("Invalid")
        expect(nobody.message).toContain("holds neither an allowed_signers line")
      }),
  )

  it.live(
    "a verifier that hangs is killed at the deadline: Unavailable (retried), never a verdict on the revision",
    () =>
      Effect.gen(function* () {
        const keys = yield* tempDir("verify-keys")
        const trusted = yield* makeOpenPgpKey(keys, "alice", "alice@example.com")
        const keysFile = join(keys, "trusted")
        writeFileSync(keysFile, trusted.trust)
        const remote = yield* makeGitRemote()
        signWith(remote, trusted)
        const commit = remote.commit({ "fleet.yaml": "services: {}\n# signed\n" })
        // A gpg that imports keys but never answers a verification, first in PATH.
        const bin = yield* tempDir("verify-hanging-gpg")
        writeFileSync(
          join(bin, "gpg"),
          '#!/bin/sh\nfor a in "$@"; do [ "$a" = --import ] && exit 0; done\nexec sleep 5\n',
        )
        chmodSync(join(bin, "gpg"), 0o755)
        const environment = gitEnvironment(verifyConfig(remote.url, keysFile), {
          ...process.env,
          PATH: `${bin}:${process.env["PATH"] ?? ""}`,
        })
        const started = Date.now()
        const error = yield* Effect.flip(
          verifyRevision(keysFile, remote.work, { commit }, environment, Duration.millis(500)),
        )
        expect(Date.now() - started).toBeLessThan(4000)
        expect(error.reason).toBe("Unavailable")
        expect(error.message).toContain("did not finish within 500 ms while verifying signatures")
        expect(error.message).toContain("the next sync tries again")
      }),
  )
})
