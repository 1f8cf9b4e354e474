/**
 * Reads a build context as the Docker CLI sends it: every entry below the directory
 * except what `.dockerignore` excludes (with @balena/dockerignore, the matcher
 * dockerode itself uses), symlinks sent as symlinks. The listing carries one hash of
 * the entries' paths, modes and contents, so an unchanged context is recognized
 * without building it. Files are read through Effect's FileSystem (tests run it on an
 * in-memory one). File contents are hashed once per (device, inode, size, mtime): a
 * daemon re-reading an unchanged context every pass reads only directory entries.
 */
import { createHash } from "node:crypto"
import { join } from "node:path"
import dockerignore from "@balena/dockerignore"
import { Effect, FileSystem, Option, type PlatformError } from "effect"

export interface ContextListing {
  /** Entries sent (files and symlinks), relative with `/`, sorted. */
  readonly files: ReadonlyArray<string>
  /** sha256 over every entry's path, kind, executable bit and content (or link target). */
  readonly sha256: string
}

const contentHashes = new Map<string, { readonly key: string; readonly sha256: string }>()

/**
 * FileSystem's File.Info has no ctime (the old key's guard against a rewrite that keeps
 * size and mtime); device and inode stand beside mtime instead, as Go's build cache does.
 */
const statKey = (info: FileSystem.File.Info): string =>
  `${info.dev}:${Option.getOrElse(info.ino, () => "")}:${info.size}:${Option.match(info.mtime, {
    onNone: () => "",
    onSome: (d) => d.getTime(),
  })}`

/** Lists and hashes the context at `dir` (a real path). */
export const readBuildContext = Effect.fnUntraced(function* (dir: string) {
  const fs = yield* FileSystem.FileSystem
  // No .dockerignore: everything is sent.
  const ignoreText = yield* fs.readFileString(join(dir, ".dockerignore")).pipe(Effect.orElseSucceed(() => ""))
  const keep = dockerignore.default({ ignorecase: false }).add(ignoreText).createFilter()
  // An excluded directory can hold re-included entries only when a pattern says `!`.
  const exceptions = /^\s*!/m.test(ignoreText)
  const files: Array<string> = []
  const walk = (relative: string): Effect.Effect<void, PlatformError.PlatformError> =>
    Effect.gen(function* () {
      const entries = yield* fs.readDirectoryEntries(join(dir, relative))
      for (const entry of entries) {
        const path = relative === "" ? entry.name : `${relative}/${entry.name}`
        if (entry.type === "Directory") {
          if (keep(path) || exceptions) yield* walk(path)
        } else if (keep(path)) files.push(path)
      }
    })
  yield* walk("")
  files.sort()
  const hash = createHash("sha256")
  for (const path of files) {
    const absolute = join(dir, path)
    const info = yield* fs.lstat(absolute)
    const digest =
      info.type === "SymbolicLink"
        ? `link:${yield* fs.readLink(absolute)}`
        : info.type === "File"
          ? yield* fileHash(fs, absolute, statKey(info))
          : `special:${info.mode}`
    hash.update(`${path}\0${info.mode & 0o111 ? "x" : "-"}\0${digest}\n`)
  }
  return { files, sha256: hash.digest("hex") } satisfies ContextListing
})

const fileHash = Effect.fnUntraced(function* (fs: FileSystem.FileSystem, path: string, key: string) {
  const known = contentHashes.get(path)
  if (known?.key === key) return known.sha256
  const sha256 = createHash("sha256")
    .update(yield* fs.readFile(path))
    .digest("hex")
  contentHashes.set(path, { key, sha256 })
  return sha256
})
