/**
 * A git killed by a timeout or a shutdown can leave its lock files behind, and every
 * later command would then fail with "File exists" for ever. The checkout belongs to
 * one fleetd (syncs are serialised), so a lock present before a sync starts is stale.
 */
import { readdir, rm } from "node:fs/promises"
import { join } from "node:path"

const topLevelLocks = [
  "index.lock",
  "HEAD.lock",
  "config.lock",
  "shallow.lock",
  "packed-refs.lock",
  "FETCH_HEAD.lock",
]

export const removeStaleLocks = async (gitDir: string): Promise<ReadonlyArray<string>> => {
  const refs = await readdir(join(gitDir, "refs"), { recursive: true }).catch(() => [])
  const locks = [
    ...topLevelLocks,
    ...refs.filter((path) => path.endsWith(".lock")).map((path) => join("refs", path)),
  ]
  const removed: Array<string> = []
  for (const lock of locks) {
    const file = join(gitDir, lock)
    const existed = await rm(file).then(
      () => true,
      () => false,
    )
    if (existed) removed.push(lock)
  }
  return removed
}
