/**
 * Real git repositories for source tests: a bare "remote" and a working clone that
 * commits and pushes to it over file://. Each lives in its own temp dir, removed by
 * the test's scope.
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { Effect, type Scope } from "effect"

/** The test's own identity; never the machine's global git config for commits. */
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "fleetd test",
  GIT_AUTHOR_EMAIL: "test@fleetd.invalid",
  GIT_COMMITTER_NAME: "fleetd test",
  GIT_COMMITTER_EMAIL: "test@fleetd.invalid",
  GIT_TERMINAL_PROMPT: "0",
}

export const runGit = (cwd: string, ...args: Array<string>): string =>
  execFileSync("git", args, { cwd, env: gitEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim()

/** A fresh directory under the system temp dir, removed when the scope closes. */
export const tempDir = (prefix: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), `fleetd-${prefix}-`))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
  )

export interface GitRemote {
  /** Path of the bare repository. */
  readonly bare: string
  /** `file://` URL of the bare repository. */
  readonly url: string
  /** The working clone that commits and pushes. */
  readonly work: string
  /** Writes (or, with `null`, deletes) files in the clone and commits them; returns the new sha. */
  readonly commit: (files: Readonly<Record<string, string | null>>, message?: string) => string
  /** Pushes HEAD to `branch` on the remote (`force` for rewritten history). */
  readonly push: (options?: { readonly branch?: string; readonly force?: boolean }) => void
  /** Any git command in the clone. */
  readonly git: (...args: Array<string>) => string
}

let counter = 0

/** A bare remote with one commit (`fleet.yaml`) on `main`, already pushed. */
export const makeGitRemote = (): Effect.Effect<GitRemote, never, Scope.Scope> =>
  Effect.gen(function* () {
    const root = yield* tempDir("git")
    const bare = join(root, "remote.git")
    const work = join(root, "work")
    runGit(root, "init", "--quiet", "--bare", "--initial-branch=main", bare)
    runGit(root, "init", "--quiet", "--initial-branch=main", work)
    runGit(work, "remote", "add", "origin", bare)
    const git = (...args: Array<string>) => runGit(work, ...args)
    const commit: GitRemote["commit"] = (files, message) => {
      for (const [path, content] of Object.entries(files)) {
        const file = join(work, path)
        if (content === null) rmSync(file, { force: true, recursive: true })
        else {
          mkdirSync(dirname(file), { recursive: true })
          writeFileSync(file, content)
        }
      }
      git("add", "--all")
      git("commit", "--quiet", "--allow-empty", "-m", message ?? `change ${++counter}`)
      return git("rev-parse", "HEAD")
    }
    const push: GitRemote["push"] = (options = {}) =>
      void git(
        "push",
        "--quiet",
        ...(options.force ? ["--force"] : []),
        "origin",
        `HEAD:refs/heads/${options.branch ?? "main"}`,
      )
    commit({ "fleet.yaml": "services: {}\n" }, "initial")
    push()
    return { bare, url: `file://${bare}`, work, commit, push, git }
  })
