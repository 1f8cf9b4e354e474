import { execFile } from "node:child_process"
import { Effect } from "effect"

/** What the page shows of a commit beside its sha. */
export interface CommitSummary {
  readonly subject: string
  readonly author: string
}

/** Pure: `git show -s --format=%s%x1f%an` output → the summary (undefined when malformed). */
export const parseCommitSummary = (output: string): CommitSummary | undefined => {
  const [subject, author] = output.replace(/\n$/, "").split("\x1f")
  return subject === undefined || author === undefined ? undefined : { subject, author }
}

/** How many commits the cache remembers: a page shows one or two per source. */
const cacheSize = 64

/**
 * Commit subjects and authors read from a git source's own checkout, once per commit
 * (the page renders every 250 ms per viewer). A commit that cannot be read (not fetched
 * yet, the checkout moved) is remembered as unknown too: the page shows the sha alone.
 * `git show -s` reads objects only: no worktree, hook or remote is involved.
 */
export const commitSummaries = () => {
  const cache = new Map<string, CommitSummary | undefined>()
  return (checkout: string, sha: string): Effect.Effect<CommitSummary | undefined> => {
    if (!/^[0-9a-f]{40,64}$/.test(sha)) return Effect.succeed(undefined)
    const key = `${checkout}\0${sha}`
    if (cache.has(key)) return Effect.succeed(cache.get(key))
    return Effect.callback<CommitSummary | undefined>((resume) => {
      execFile(
        "git",
        ["-C", checkout, "show", "-s", "--no-show-signature", "--format=%s%x1f%an", sha],
        { timeout: 2000, maxBuffer: 64 * 1024, env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" } },
        (error, stdout) => resume(Effect.succeed(error === null ? parseCommitSummary(stdout) : undefined)),
      )
    }).pipe(
      Effect.tap((summary) =>
        Effect.sync(() => {
          if (cache.size >= cacheSize) cache.delete(cache.keys().next().value ?? "")
          cache.set(key, summary)
        }),
      ),
    )
  }
}
