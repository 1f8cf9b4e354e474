/**
 * An in-memory FileSystem for loader tests: files by absolute path (their directories
 * exist implicitly) and symlinks, resolved component by component as realpath does.
 * Only what the manifest loader uses (project discovery and build contexts included)
 * is implemented; anything else fails NotFound. Each file gets an inode of its own, so
 * content hashes cached by (inode, size, mtime) never leak from one layer to another.
 */
import { posix } from "node:path"
import { ByteSize, Effect, FileSystem, type Layer, Option, PlatformError } from "effect"

let nextInode = 1n

export type Entry = string | { readonly symlink: string }

export const memoryFileSystem = (
  entries: Readonly<Record<string, Entry>>,
): Layer.Layer<FileSystem.FileSystem> => {
  const files = new Map<string, string>()
  const links = new Map<string, string>()
  const dirs = new Set<string>(["/"])
  for (const [path, entry] of Object.entries(entries)) {
    if (typeof entry === "string") files.set(path, entry)
    else links.set(path, entry.symlink)
    for (let d = posix.dirname(path); !dirs.has(d); d = posix.dirname(d)) dirs.add(d)
  }
  const notFound = (method: string, path: string) =>
    PlatformError.systemError({ _tag: "NotFound", module: "FileSystem", method, pathOrDescriptor: path })

  /** The real path, or undefined when some component does not exist. */
  const real = (path: string, depth = 0): string | undefined => {
    if (depth > 32) return undefined
    let out = "/"
    for (const part of posix
      .normalize(path)
      .split("/")
      .filter((p) => p !== "")) {
      const next = posix.join(out, part)
      const target = links.get(next)
      if (target !== undefined) {
        const resolved = real(posix.resolve(out, target), depth + 1)
        if (resolved === undefined) return undefined
        out = resolved
      } else if (files.has(next) || dirs.has(next)) out = next
      else return undefined
    }
    return out
  }
  const inodes = new Map([...files.keys()].map((path) => [path, nextInode++]))
  const info = (type: FileSystem.File.Type, size: number, path: string) =>
    ({
      type,
      size: ByteSize.bytes(BigInt(size)),
      mode: type === "File" ? 0o644 : 0o755,
      dev: 0n,
      ino: Option.fromNullishOr(inodes.get(path)),
      mtime: Option.none(),
    }) as unknown as FileSystem.File.Info
  /** The path with its directory resolved and its last component left as it is (lstat). */
  const entryPath = (path: string): string | undefined => {
    const parent = real(posix.dirname(path))
    return parent === undefined ? undefined : posix.join(parent, posix.basename(path))
  }
  const statOf = (r: string) => {
    const text = files.get(r)
    return text === undefined ? info("Directory", 0, r) : info("File", Buffer.byteLength(text), r)
  }

  return FileSystem.layerNoop({
    realPath: (path) => {
      const r = real(path)
      return r === undefined ? Effect.fail(notFound("realPath", path)) : Effect.succeed(r)
    },
    stat: (path) => {
      const r = real(path)
      return r === undefined ? Effect.fail(notFound("stat", path)) : Effect.succeed(statOf(r))
    },
    lstat: (path) => {
      const e = entryPath(path)
      if (e !== undefined && links.has(e)) return Effect.succeed(info("SymbolicLink", 0, e))
      return e === undefined || !(files.has(e) || dirs.has(e))
        ? Effect.fail(notFound("lstat", path))
        : Effect.succeed(statOf(e))
    },
    readLink: (path) => {
      const target = links.get(entryPath(path) ?? "")
      return target === undefined ? Effect.fail(notFound("readLink", path)) : Effect.succeed(target)
    },
    readDirectoryEntries: (path) => {
      const r = real(path)
      if (r === undefined || !dirs.has(r)) return Effect.fail(notFound("readDirectoryEntries", path))
      const children = (paths: Iterable<string>, type: FileSystem.File.Type) =>
        [...paths]
          .filter((p) => p !== "/" && posix.dirname(p) === r)
          .map((p) => ({ name: posix.basename(p), type }))
      return Effect.succeed([
        ...children(files.keys(), "File"),
        ...children(links.keys(), "SymbolicLink"),
        ...children(dirs, "Directory"),
      ])
    },
    readFile: (path) => {
      const text = files.get(real(path) ?? "")
      return text === undefined
        ? Effect.fail(notFound("readFile", path))
        : Effect.succeed(new TextEncoder().encode(text))
    },
    readFileString: (path) => {
      const text = files.get(real(path) ?? "")
      return text === undefined ? Effect.fail(notFound("readFileString", path)) : Effect.succeed(text)
    },
  })
}
