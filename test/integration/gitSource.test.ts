import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createServer, type Socket } from "node:net"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Layer, Logger, Redacted, References } from "effect"
import type { GitConfig } from "../../src/source/checkGitInputs.ts"
import { GitSource, type GitSourceOptions } from "../../src/source/GitSource.ts"
import { ManifestSource } from "../../src/source/ManifestSource.ts"
import { makeGitRemote, runGit, tempDir } from "../support/gitRemote.ts"
import { startSshServer } from "../support/sshServer.ts"

const gitConfig = (repo: string, overrides: Partial<Omit<GitConfig, "_tag">> = {}): GitConfig => ({
  _tag: "Git",
  repo,
  branch: "main",
  ref: undefined,
  sshKeyFile: undefined,
  knownHostsFile: undefined,
  httpsToken: undefined,
  timeout: Duration.seconds(20),
  ...overrides,
})

/** The source service itself, so a test can sync it several times. */
const gitSource = (config: GitConfig, dir: string, options: GitSourceOptions = {}) =>
  Effect.provide(
    Effect.gen(function* () {
      return yield* ManifestSource
    }),
    GitSource.layer(config, dir, options),
  )

const checkoutDir = Effect.map(tempDir("checkout"), (dir) => join(dir, "repo"))

const read = (dir: string, file: string) => readFileSync(join(dir, file), "utf8")

/** A TCP server on loopback that accepts connections and never says a word. */
const hangingServer = Effect.acquireRelease(
  Effect.promise(
    () =>
      new Promise<{ port: number; close: () => void }>((resolve) => {
        const sockets = new Set<Socket>()
        const server = createServer((socket) => {
          sockets.add(socket)
          socket.on("error", () => {})
        })
        server.listen(0, "127.0.0.1", () => {
          const address = server.address()
          const port = typeof address === "object" && address !== null ? address.port : 0
          resolve({
            port,
            close: () => {
              for (const s of sockets) s.destroy()
              server.close()
            },
          })
        })
      }),
  ),
  (server) => Effect.sync(server.close),
)

describe("GitSource over file://", () => {
  it.live("clones the tracked branch and reports the full commit sha", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      const head = remote.commit({ "fleet.yaml": "services:\n  web:\n    image: nginx\n" })
      remote.push()
      const dir = yield* checkoutDir
      const fetches: Array<boolean> = []
      const source = yield* gitSource(gitConfig(remote.url), dir, {
        onFetch: (seconds, ok) =>
          Effect.sync(() => {
            expect(seconds).toBeGreaterThanOrEqual(0)
            fetches.push(ok)
          }),
      })
      const snapshot = yield* source.sync
      expect(snapshot).toEqual({ revision: head, root: dir })
      expect(snapshot.revision).toMatch(/^[0-9a-f]{40}$/)
      expect(read(dir, "fleet.yaml")).toContain("image: nginx")
      expect(fetches).toEqual([true])
      expect(source.describe).toEqual({ kind: "git", location: remote.url, ref: "main" })
    }),
  )

  it.live("picks up a new commit on the next sync", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      const source = yield* gitSource(gitConfig(remote.url), yield* checkoutDir)
      const first = yield* source.sync
      const next = remote.commit({ "fleet.yaml": "services: {}\n# v2\n" })
      remote.push()
      const second = yield* source.sync
      expect(second.revision).toBe(next)
      expect(second.revision).not.toBe(first.revision)
      expect(read(second.root, "fleet.yaml")).toContain("# v2")
    }),
  )

  it.live("converges to the new head after a force-push rewrites history", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      remote.commit({ "doomed.txt": "soon gone\n" })
      remote.push()
      const source = yield* gitSource(gitConfig(remote.url), yield* checkoutDir)
      const before = yield* source.sync
      remote.git("reset", "--quiet", "--hard", "HEAD~1")
      const rewritten = remote.commit({ "fleet.yaml": "services: {}\n# rewritten\n" })
      remote.push({ force: true })
      const after = yield* source.sync
      expect(after.revision).toBe(rewritten)
      expect(existsSync(join(before.root, "doomed.txt"))).toBe(false)
      expect(read(after.root, "fleet.yaml")).toContain("# rewritten")
    }),
  )

  it.live("discards local edits and stray files in the checkout", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      const dir = yield* checkoutDir
      const source = yield* gitSource(gitConfig(remote.url), dir)
      const { revision } = yield* source.sync
      writeFileSync(join(dir, "fleet.yaml"), "tampered\n")
      mkdirSync(join(dir, "stray", "deep"), { recursive: true })
      writeFileSync(join(dir, "stray", "deep", "file"), "x")
      writeFileSync(join(dir, ".ignored"), "x")
      expect((yield* source.sync).revision).toBe(revision)
      expect(read(dir, "fleet.yaml")).toBe("services: {}\n")
      expect(existsSync(join(dir, "stray"))).toBe(false)
      expect(existsSync(join(dir, ".ignored"))).toBe(false)
    }),
  )

  it.live("a poll that finds the branch where it was neither fetches nor touches the checkout", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      const dir = yield* checkoutDir
      const source = yield* gitSource(gitConfig(remote.url), dir)
      const poll = source.poll ?? source.sync
      const first = yield* source.sync
      // Every fetch (re)writes FETCH_HEAD; ls-remote never does.
      rmSync(join(dir, ".git", "FETCH_HEAD"))
      expect(yield* poll).toEqual(first)
      expect(yield* poll).toEqual(first)
      expect(existsSync(join(dir, ".git", "FETCH_HEAD"))).toBe(false)
      const next = remote.commit({ "fleet.yaml": "services: {}\n# v2\n" })
      remote.push()
      expect((yield* poll).revision).toBe(next)
      expect(existsSync(join(dir, ".git", "FETCH_HEAD"))).toBe(true)
      expect(read(dir, "fleet.yaml")).toContain("# v2")
    }),
  )

  it.live("a poll still discards local edits and stray files, and converges after a force-push", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      remote.commit({ "doomed.txt": "soon gone\n" })
      remote.push()
      const dir = yield* checkoutDir
      const source = yield* gitSource(gitConfig(remote.url), dir)
      const poll = source.poll ?? source.sync
      const { revision } = yield* source.sync
      expect((yield* poll).revision).toBe(revision)
      writeFileSync(join(dir, "fleet.yaml"), "tampered\n")
      mkdirSync(join(dir, "stray", "deep"), { recursive: true })
      writeFileSync(join(dir, "stray", "deep", "file"), "x")
      expect((yield* poll).revision).toBe(revision)
      expect(read(dir, "fleet.yaml")).toBe("services: {}\n")
      expect(existsSync(join(dir, "stray"))).toBe(false)
      writeFileSync(join(dir, ".ignored"), "x")
      expect((yield* poll).revision).toBe(revision)
      expect(existsSync(join(dir, ".ignored"))).toBe(false)
      remote.git("reset", "--quiet", "--hard", "HEAD~1")
      const rewritten = remote.commit({ "fleet.yaml": "services: {}\n# rewritten\n" })
      remote.push({ force: true })
      expect((yield* poll).revision).toBe(rewritten)
      expect(read(dir, "fleet.yaml")).toContain("# rewritten")
      expect(existsSync(join(dir, "doomed.txt"))).toBe(false)
    }),
  )

  it.live("a poll of a remote that went away fails as Unavailable, and recovers", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      const source = yield* gitSource(gitConfig(remote.url), yield* checkoutDir)
      const poll = source.poll ?? source.sync
      const { revision } = yield* source.sync
      const moved = `${remote.bare}.moved`
      renameSync(remote.bare, moved)
      const error = yield* Effect.flip(poll)
      expect(error.reason).toBe("Unavailable")
      renameSync(moved, remote.bare)
      expect((yield* poll).revision).toBe(revision)
    }),
  )

  it.live("reads a new revision's files beside the status that proves its checkout, and only then", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      const dir = yield* checkoutDir
      const source = yield* gitSource(gitConfig(remote.url), dir)
      const reads: Array<string> = []
      // What the daemon reads ahead: the manifest of the snapshot it is given.
      const reading = source.reading?.((snapshot) =>
        Effect.sync(() => {
          reads.push(snapshot.revision)
          return read(snapshot.root, "fleet.yaml")
        }),
      )
      if (reading === undefined) throw new Error("GitSource reads ahead")
      // The first sync of a process checks out the remote's head: read beside the status.
      const first = yield* reading.sync
      expect(first.read).toEqual({ value: "services: {}\n" })
      expect(reads).toEqual([first.snapshot.revision])
      // Nothing moved: the checkout is proven as it is, and nothing is read.
      expect(yield* reading.sync).toEqual({ snapshot: first.snapshot })
      expect(yield* reading.poll).toEqual({ snapshot: first.snapshot })
      expect(reads).toHaveLength(1)
      const next = remote.commit({ "fleet.yaml": "services: {}\n# v2\n" })
      remote.push()
      const second = yield* reading.poll
      expect(second.snapshot.revision).toBe(next)
      expect(second.read).toEqual({ value: "services: {}\n# v2\n" })
      expect(reads).toEqual([first.snapshot.revision, next])
    }),
  )

  it.live("a read-ahead of a checkout that needed cleaning counts only from after the clean", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      const dir = yield* checkoutDir
      const source = yield* gitSource(gitConfig(remote.url), dir)
      yield* source.sync
      writeFileSync(join(dir, "stray.txt"), "left behind\n")
      const next = remote.commit({ "fleet.yaml": "services: {}\n# v2\n" })
      remote.push()
      const seen: Array<boolean> = []
      const reading = source.reading?.((snapshot) =>
        Effect.sync(() => {
          const stray = existsSync(join(snapshot.root, "stray.txt"))
          seen.push(stray)
          return stray ? "read beside debris" : read(snapshot.root, "fleet.yaml")
        }),
      )
      if (reading === undefined) throw new Error("GitSource reads ahead")
      const synced = yield* reading.sync
      expect(synced.snapshot.revision).toBe(next)
      // Read beside the status that found the stray file (discarded), then again after the clean.
      expect(seen).toEqual([true, false])
      expect(synced.read).toEqual({ value: "services: {}\n# v2\n" })
      expect(existsSync(join(dir, "stray.txt"))).toBe(false)
    }),
  )

  it.live("recovers from lock files left behind by a git that was killed", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      const dir = yield* checkoutDir
      const source = yield* gitSource(gitConfig(remote.url), dir)
      yield* source.sync
      writeFileSync(join(dir, ".git", "index.lock"), "")
      writeFileSync(join(dir, ".git", "shallow.lock"), "")
      mkdirSync(join(dir, ".git", "refs", "remotes", "origin"), { recursive: true })
      writeFileSync(join(dir, ".git", "refs", "remotes", "origin", "main.lock"), "")
      const next = remote.commit({ "fleet.yaml": "services: {}\n# after the crash\n" })
      remote.push()
      expect((yield* source.sync).revision).toBe(next)
    }),
  )

  it.live("fails with RefNotFound when the branch is deleted, and recovers when it is back", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      remote.push({ branch: "feature" })
      const source = yield* gitSource(gitConfig(remote.url, { branch: "feature" }), yield* checkoutDir)
      const { revision } = yield* source.sync
      remote.git("push", "--quiet", "origin", ":refs/heads/feature")
      const error = yield* Effect.flip(source.sync)
      expect(error.reason).toBe("RefNotFound")
      expect(error.message).toContain("feature")
      remote.push({ branch: "feature" })
      expect((yield* source.sync).revision).toBe(revision)
    }),
  )

  it.live("reports a remote that went away as Unavailable, then recovers", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      const fetches: Array<boolean> = []
      const source = yield* gitSource(gitConfig(remote.url), yield* checkoutDir, {
        onFetch: (_, ok) => Effect.sync(() => void fetches.push(ok)),
      })
      yield* source.sync
      renameSync(remote.bare, `${remote.bare}.moved`)
      const error = yield* Effect.flip(source.sync)
      expect(error.reason).toBe("Unavailable")
      expect(error.message).toContain(`fetching branch main of ${remote.url} failed`)
      expect(error.message).toContain("fleetd keeps retrying")
      renameSync(`${remote.bare}.moved`, remote.bare)
      const next = remote.commit({ "fleet.yaml": "services: {}\n# back\n" })
      remote.push()
      expect((yield* source.sync).revision).toBe(next)
      expect(fetches).toEqual([true, false, true])
    }),
  )

  it.live("replaces a checkout of another repository instead of reusing it", () =>
    Effect.gen(function* () {
      const first = yield* makeGitRemote()
      first.commit({ "only-in-first.txt": "x" })
      first.push()
      const second = yield* makeGitRemote()
      const head = second.commit({ "fleet.yaml": "services: {}\n# second\n" })
      second.push()
      const dir = yield* checkoutDir
      yield* (yield* gitSource(gitConfig(first.url), dir)).sync
      expect(existsSync(join(dir, "only-in-first.txt"))).toBe(true)
      const snapshot = yield* (yield* gitSource(gitConfig(second.url), dir)).sync
      expect(snapshot.revision).toBe(head)
      expect(existsSync(join(dir, "only-in-first.txt"))).toBe(false)
      expect(runGit(dir, "config", "--get", "remote.origin.url")).toBe(second.url)
    }),
  )

  it.live("never recurses into submodules nor runs hooks, even when the user's git config asks to", () =>
    Effect.gen(function* () {
      const sub = yield* makeGitRemote()
      sub.commit({ "secret.txt": "from the submodule\n" })
      sub.push()
      const remote = yield* makeGitRemote()
      remote.git("-c", "protocol.file.allow=always", "submodule", "--quiet", "add", sub.url, "vendor/sub")
      const head = remote.commit({}, "add a submodule")
      remote.push()
      // A HOME whose global config recurses into submodules and runs a post-checkout hook.
      const home = yield* tempDir("home")
      const hooks = join(home, "hooks")
      const witness = join(home, "hook-ran")
      mkdirSync(hooks)
      writeFileSync(join(hooks, "post-checkout"), `#!/bin/sh\ntouch '${witness}'\n`, { mode: 0o755 })
      writeFileSync(
        join(home, ".gitconfig"),
        `[submodule]\n\trecurse = true\n[fetch]\n\trecurseSubmodules = true\n[protocol "file"]\n\tallow = always\n[core]\n\thooksPath = ${hooks}\n`,
      )
      const dir = yield* checkoutDir
      const source = yield* gitSource(gitConfig(remote.url), dir, {
        environment: { ...process.env, HOME: home },
      })
      const snapshot = yield* source.sync
      expect(snapshot.revision).toBe(head)
      expect(existsSync(join(dir, ".gitmodules"))).toBe(true)
      expect(readdirSync(join(dir, "vendor", "sub"))).toEqual([])
      expect(existsSync(join(dir, ".git", "modules"))).toBe(false)
      expect(existsSync(witness), "no hook ran").toBe(false)
    }),
  )

  it.live("checks out a pinned tag, full sha or short sha, detached", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      const pinned = remote.commit({ "fleet.yaml": "services: {}\n# pinned\n" })
      remote.git("tag", "-a", "-m", "release", "v1")
      remote.push()
      remote.git("push", "--quiet", "origin", "refs/tags/v1")
      remote.commit({ "fleet.yaml": "services: {}\n# later\n" })
      remote.push()
      for (const ref of ["v1", pinned, pinned.slice(0, 8)]) {
        const dir = yield* checkoutDir
        const snapshot = yield* (yield* gitSource(gitConfig(remote.url, { ref }), dir)).sync
        expect(snapshot.revision, ref).toBe(pinned)
        expect(read(dir, "fleet.yaml")).toContain("# pinned")
        expect(() => runGit(dir, "symbolic-ref", "--quiet", "HEAD")).toThrow()
      }
      const error = yield* Effect.flip(
        (yield* gitSource(gitConfig(remote.url, { ref: "v9" }), yield* checkoutDir)).sync,
      )
      expect(error.reason).toBe("RefNotFound")
      expect(error.message).toContain("v9")
    }),
  )

  it.live("refuses a branch, ref or URL that git would read as an option, without running git", () =>
    Effect.gen(function* () {
      const remote = yield* makeGitRemote()
      const cases: ReadonlyArray<readonly [Partial<GitConfig>, string]> = [
        [{ branch: "-x" }, "--branch"],
        [{ branch: "--upload-pack=touch /tmp/fleetd-pwned" }, "--branch"],
        [{ ref: "--output=/tmp/fleetd-pwned" }, "--ref"],
        [{ repo: "-uPwned" }, "--repo"],
        [{ repo: "--upload-pack=touch /tmp/fleetd-pwned" }, "--repo"],
        [{ repo: "ext::sh -c touch% /tmp/fleetd-pwned" }, "--repo"],
        [{ branch: "a..b" }, "--branch"],
        [{ branch: "main.lock" }, "--branch"],
      ]
      for (const [overrides, field] of cases) {
        const dir = yield* checkoutDir
        const error = yield* Effect.flip((yield* gitSource(gitConfig(remote.url, overrides), dir)).sync)
        expect(error.reason, JSON.stringify(overrides)).toBe("Invalid")
        expect(error.message).toContain(field)
        expect(existsSync(dir), "no git command ran").toBe(false)
      }
      expect(existsSync("/tmp/fleetd-pwned")).toBe(false)
    }),
  )

  it.live("abandons a hanging remote within the timeout as Unavailable", () =>
    Effect.gen(function* () {
      const server = yield* hangingServer
      const knownHosts = join(yield* tempDir("known"), "known_hosts")
      writeFileSync(knownHosts, "")
      const config = gitConfig(`ssh://git@127.0.0.1:${server.port}/fleet.git`, {
        knownHostsFile: knownHosts,
        timeout: Duration.millis(1500),
      })
      const source = yield* gitSource(config, yield* checkoutDir)
      const started = Date.now()
      const error = yield* Effect.flip(source.sync)
      const elapsed = Date.now() - started
      expect(error.reason).toBe("Unavailable")
      expect(error.message).toContain("did not finish within")
      expect(elapsed).toBeGreaterThanOrEqual(1400)
      expect(elapsed).toBeLessThan(5000)
    }),
  )

  it.live("keeps the URL password and the HTTPS token out of every error and log line", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const capture = Logger.make((options) => {
        lines.push(JSON.stringify(options.message))
      })
      const token = "tok_9f8e7d6c5b4a"
      const basic = Buffer.from(`x-access-token:${token}`).toString("base64")
      // Port 1 on loopback refuses the connection: nothing leaves the machine.
      const config = gitConfig("https://user:s3cret@127.0.0.1:1/repo.git", {
        httpsToken: Redacted.make(token),
        timeout: Duration.seconds(10),
      })
      const dir = yield* checkoutDir
      const run = Effect.gen(function* () {
        const source = yield* gitSource(config, dir)
        yield* Effect.logDebug("describe", source.describe)
        const error = yield* Effect.flip(source.sync)
        // What the daemon does with it: log it and put it in /status.
        yield* Effect.logError(error.message)
        return { error, describe: source.describe }
      }).pipe(
        Effect.provide(Layer.succeed(References.MinimumLogLevel, "All")),
        Effect.provide(Logger.layer([capture])),
      )
      const { error, describe } = yield* run
      expect(error.reason).toBe("Unavailable")
      expect(error.message).toContain("https://***@127.0.0.1:1/repo.git")
      expect(describe.location).toBe("https://***@127.0.0.1:1/repo.git")
      expect(lines.length).toBeGreaterThan(0)
      for (const text of [error.message, JSON.stringify(describe), ...lines]) {
        expect(text).not.toContain("s3cret")
        expect(text).not.toContain(token)
        expect(text).not.toContain(basic)
      }
      // Nor on disk where git keeps its remote: the token lives only in the environment.
      expect(readFileSync(join(dir, ".git", "config"), "utf8")).not.toContain(token)
    }),
  )
})

describe("GitSource over SSH", () => {
  it.live("fetches with the key and the pinned known_hosts, and refuses a changed host key", () =>
    Effect.gen(function* () {
      const ssh = yield* startSshServer()
      const remote = yield* makeGitRemote()
      const config = gitConfig(ssh.url(remote.bare), {
        sshKeyFile: ssh.userKeyFile,
        knownHostsFile: ssh.knownHostsFile,
      })
      const source = yield* gitSource(config, yield* checkoutDir)
      const head = remote.git("rev-parse", "HEAD")
      expect((yield* source.sync).revision).toBe(head)

      const stranger = yield* gitSource({ ...config, sshKeyFile: ssh.strangerKeyFile }, yield* checkoutDir)
      const denied = yield* Effect.flip(stranger.sync)
      expect(denied.reason).toBe("AuthFailed")
      expect(denied.message).toContain("--ssh-key")

      yield* ssh.rotateHostKey
      const mismatch = yield* Effect.flip(source.sync)
      expect(mismatch.reason).toBe("HostKeyMismatch")
      expect(mismatch.message).toContain("--known-hosts")
    }),
  )

  it.live("refuses an SSH repository without a pinned known_hosts file", () =>
    Effect.gen(function* () {
      const dir = yield* checkoutDir
      for (const repo of ["ssh://git@127.0.0.1:2222/fleet.git", "git@127.0.0.1:fleet.git"]) {
        const error = yield* Effect.flip((yield* gitSource(gitConfig(repo), dir)).sync)
        expect(error.reason).toBe("Invalid")
        expect(error.message).toContain("--known-hosts")
        expect(existsSync(dir)).toBe(false)
      }
    }),
  )
})
