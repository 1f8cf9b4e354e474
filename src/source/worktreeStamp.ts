/**
 * A cheap, in-process stamp of a checkout's worktree: every path under it but `.git`,
 * with its type, size, modification time and inode, hashed. Equal stamps mean nothing
 * was added, removed, replaced or written since the first one was taken, by the same
 * stat data `git status` itself trusts for files it has indexed. It lets a poll that
 * finds the remote where it was skip the `git status` process (a fork of the whole
 * daemon, most of an idle daemon's CPU: bench/RESULTS.md, idle daemon) while still
 * noticing any change to the checkout, which then gets the full check. Like git's own
 * stat check, it cannot see an edit that keeps a file's size and lands within the same
 * filesystem timestamp tick as the stamp (git re-reads such "racy" files; this does not).
 *
 * Synchronous on purpose: a stat is microseconds, and the walk is bounded
 * (maxStampedEntries). Awaiting the thread pool for every entry, as it did, made a
 * sequence of waits that on a busy host added milliseconds between a new revision's
 * checkout and its `git status` (bench/webhookToRunning.ts).
 */
import { createHash } from "node:crypto"
import { lstatSync, readdirSync } from "node:fs"
import { join } from "node:path"

/** Beyond this many entries the walk could cost more than the git process it saves: no stamp. */
export const maxStampedEntries = 5000

/**
 * The stamp of the worktree in `dir`, or undefined when it cannot be taken (too many
 * entries, or anything unreadable): the caller then asks git, as it always did.
 */
export const worktreeStamp = (dir: string): string | undefined => {
  const hash = createHash("sha256")
  let entries = 0
  const walk = (relative: string): boolean => {
    const names = readdirSync(join(dir, relative)).sort()
    for (const name of names) {
      if (relative === "" && name === ".git") continue
      if (++entries > maxStampedEntries) return false
      const path = relative === "" ? name : `${relative}/${name}`
      const stat = lstatSync(join(dir, path))
      const kind = stat.isDirectory() ? "d" : stat.isFile() ? "f" : stat.isSymbolicLink() ? "l" : "o"
      hash.update(
        `${kind}\0${path}\0${stat.size}\0${stat.mtimeMs}\0${stat.ctimeMs}\0${stat.ino}\0${stat.mode}\n`,
      )
      if (kind === "d" && !walk(path)) return false
    }
    return true
  }
  try {
    return walk("") ? hash.digest("hex") : undefined
  } catch {
    return undefined
  }
}
