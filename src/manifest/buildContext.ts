/**
 * Reads a build context as the Docker CLI sends it: every entry below the directory
 * except what `.dockerignore` excludes (with @balena/dockerignore, the matcher
 * dockerode itself uses), symlinks sent as symlinks. The listing carries one hash of
 * the entries' paths, modes and contents, so an unchanged context is recognized
 * without building it. File contents are hashed once per (inode, size, mtime): a
 * daemon re-reading an unchanged context every pass reads only directory entries.
 */
import { createHash } from "node:crypto"
import { lstat, readdir, readFile, readlink } from "node:fs/promises"
import { join } from "node:path"
import dockerignore from "@balena/dockerignore"

export interface ContextListing {
  /** Entries sent (files and symlinks), relative with `/`, sorted. */
  readonly files: ReadonlyArray<string>
  /** sha256 over every entry's path, kind, executable bit and content (or link target). */
  readonly sha256: string
}

const contentHashes = new Map<string, { readonly key: string; readonly sha256: string }>()

const fileHash = async (path: string, key: string): Promise<string> => {
  const known = contentHashes.get(path)
  if (known?.key === key) return known.sha256
  const sha256 = createHash("sha256")
    .update(await readFile(path))
    .digest("hex")
  contentHashes.set(path, { key, sha256 })
  return sha256
}

/** Lists and hashes the context at `dir` (a real path). */
export const readBuildContext = async (dir: string): Promise<ContextListing> => {
  let ignoreText = ""
  try {
    ignoreText = await readFile(join(dir, ".dockerignore"), "utf8")
  } catch {
    // No .dockerignore: everything is sent.
  }
  const keep = dockerignore.default({ ignorecase: false }).add(ignoreText).createFilter()
  // An excluded directory can hold re-included entries only when a pattern says `!`.
  const exceptions = /^\s*!/m.test(ignoreText)
  const files: Array<string> = []
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(dir, relative), { withFileTypes: true })
    for (const entry of entries) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`
      if (entry.isDirectory()) {
        if (keep(path) || exceptions) await walk(path)
      } else if (keep(path)) files.push(path)
    }
  }
  await walk("")
  files.sort()
  const hash = createHash("sha256")
  for (const path of files) {
    const absolute = join(dir, path)
    const info = await lstat(absolute)
    const digest = info.isSymbolicLink()
      ? `link:${await readlink(absolute)}`
      : info.isFile()
        ? await fileHash(absolute, `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`)
        : `special:${info.mode}`
    hash.update(`${path}\0${info.mode & 0o111 ? "x" : "-"}\0${digest}\n`)
  }
  return { files, sha256: hash.digest("hex") }
}
