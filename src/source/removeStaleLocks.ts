/**
 * A git killed by a timeout or a shutdown can leave its lock files behind, and every
 * later command would then fail with "File exists" for ever. The checkout belongs to
 * one fleetd (syncs are serialised), so a lock present before a sync starts is stale.
 *
 * Synchronous on purpose: it runs before every sync, and is two directory listings of a
 * shallow checkout's `.git` (and an unlink per lock, almost never): microseconds on the
 * event loop, where the asynchronous version waited for the thread pool eight times in a
 * row, which on a busy host put milliseconds before every webhook's fetch.
 */
import { readdirSync, unlinkSync } from "node:fs"
import { join } from "node:path"

const topLevelLocks = new Set([
  "index.lock",
  "HEAD.lock",
  "config.lock",
  "shallow.lock",
  "packed-refs.lock",
  "FETCH_HEAD.lock",
])

const listing = (dir: string, recursive: boolean): ReadonlyArray<string> => {
  try {
    return readdirSync(dir, { recursive, encoding: "utf8" })
  } catch {
    return []
  }
}

/** Removes the lock files in `gitDir`; gives those it removed, relative to it. */
export const removeStaleLocks = (gitDir: string): ReadonlyArray<string> => {
  const locks = [
    ...listing(gitDir, false).filter((name) => topLevelLocks.has(name)),
    ...listing(join(gitDir, "refs"), true)
      .filter((path) => path.endsWith(".lock"))
      .map((path) => join("refs", path)),
  ]
  const removed: Array<string> = []
  for (const lock of locks) {
    try {
      unlinkSync(join(gitDir, lock))
      removed.push(lock)
    } catch {
      // Gone already, or not a file: git reports anything that still stands in its way.
    }
  }
  return removed
}
