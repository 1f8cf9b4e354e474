import { mkdir, open, rename } from "node:fs/promises"
import { dirname } from "node:path"

/**
 * Replaces `path` with `text`: written to `<path>.tmp`, synced, then renamed over it, so
 * a crash leaves either the old file or the new one, whole, never half of either.
 */
export const writeFileAtomic = async (path: string, text: string): Promise<void> => {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.tmp`
  const handle = await open(tmp, "w")
  try {
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, path)
  // The rename itself is durable once the directory is synced; not every platform allows it.
  const dir = await open(dirname(path), "r").catch(() => undefined)
  await dir?.sync().catch(() => undefined)
  await dir?.close()
}
