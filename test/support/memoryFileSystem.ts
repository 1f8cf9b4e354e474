/**
 * An in-memory FileSystem for loader tests: files by absolute path (their directories
 * exist implicitly) and symlinks, resolved component by component as realpath does.
 * Only what the manifest loader uses is implemented; anything else fails NotFound.
 */
import { posix } from "node:path"
import { ByteSize, Effect, FileSystem, type Layer, PlatformError } from "effect"

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
  const info = (type: FileSystem.File.Type, size: number) =>
    ({ type, size: ByteSize.bytes(BigInt(size)) }) as unknown as FileSystem.File.Info

  return FileSystem.layerNoop({
    realPath: (path) => {
      const r = real(path)
      return r === undefined ? Effect.fail(notFound("realPath", path)) : Effect.succeed(r)
    },
    stat: (path) => {
      const r = real(path)
      if (r === undefined) return Effect.fail(notFound("stat", path))
      const text = files.get(r)
      return Effect.succeed(text === undefined ? info("Directory", 0) : info("File", Buffer.byteLength(text)))
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
