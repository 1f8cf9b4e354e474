/**
 * What is at each file reference of a manifest, for the loader. A relative reference
 * is looked up in the repository (the checkout, or the directory) first; a path the
 * repository does not hold is looked up in --local-files at the same
 * repository-relative path (files git must not hold: secrets, a host's own config).
 * A bind source found in neither is a container's data: it lives in a directory
 * fleetd keeps per fleet under its data directory (`--repo` mode, whose checkout is
 * cleaned on every sync) or, when fleetd owns no checkout (`-f`, `--dir`), where
 * Compose puts it: in the repository's directory itself. Nothing is created here; the
 * caller creates `directories` before applying. Every place is held to its own root:
 * a symlink out of it comes back as an `outside` fact, never followed further.
 */
import { posix } from "node:path"
import { Effect, FileSystem, Option } from "effect"
import { type FileFact, type FileRef, isInside } from "./manifestFiles.ts"

export interface FilePlaces {
  /** Real path of the repository root (the manifest's directory when no root is known). */
  readonly repository: string
  /** Real path of the manifest's directory: the repository root or below it. */
  readonly manifestDir: string
  /** Real path of --local-files. */
  readonly localFiles?: string | undefined
  /** `<data-dir>/binds/<fleet>`: where bind sources found nowhere live; unset: in the repository. */
  readonly binds?: string | undefined
}

export interface LocatedFiles {
  /** By FileRef.relative. */
  readonly facts: ReadonlyMap<string, FileFact>
  /** Real paths of the regular files whose content is part of the desired state (watched in directory mode). */
  readonly files: ReadonlyArray<string>
  /** Bind sources found nowhere, to create as directories before a container mounts them. */
  readonly directories: ReadonlyArray<string>
}

/**
 * The real path of `path`, or of its nearest existing ancestor with the rest appended:
 * where `mkdir -p path` would end up. Lets a path that does not exist yet be held to
 * its place's root like one that does.
 */
export const settlePath = (path: string) => Effect.map(settle(path), (s) => s.path)

/** `path` settled, and the real path of the ancestor that exists (undefined if none does). */
const settle = Effect.fnUntraced(function* (path: string) {
  const fs = yield* FileSystem.FileSystem
  const rest: Array<string> = []
  let head = path
  for (;;) {
    const real = yield* Effect.option(fs.realPath(head))
    if (Option.isSome(real)) return { path: posix.join(real.value, ...rest), existing: real.value }
    const parent = posix.dirname(head)
    if (parent === head) return { path, existing: undefined }
    rest.unshift(posix.basename(head))
    head = parent
  }
})

/**
 * Whether a file from outside the repository is configuration (read and hashed): every
 * reference but a read-write bind, which is the container's data.
 */
const isConfiguration = (refs: ReadonlyArray<FileRef>) =>
  refs.some((r) => r.kind !== "bind" || r.readOnly === true)

/** What is at `root/relative`, held to `root`; undefined when nothing is there. */
const look = Effect.fnUntraced(function* (
  root: string,
  relative: string,
  refs: ReadonlyArray<FileRef>,
  from: "local" | "data" | undefined,
) {
  const fs = yield* FileSystem.FileSystem
  const real = yield* Effect.option(fs.realPath(posix.join(root, relative)))
  if (Option.isNone(real)) return undefined
  const realPath = real.value
  if (!isInside(root, realPath))
    return { kind: "outside", realPath, place: from ?? "repository", root } satisfies FileFact
  const info = yield* fs.stat(realPath)
  const place = from === undefined ? {} : { from }
  if (info.type === "Directory") return { kind: "directory", realPath, ...place } satisfies FileFact
  // A container's data (a read-write file outside the repository) is never read: it
  // may be large, and its content is the container's, not the desired state.
  const read = info.type === "File" && (from === undefined || isConfiguration(refs))
  return {
    kind: "file",
    realPath,
    content: read ? yield* fs.readFile(realPath) : new Uint8Array(),
    ...place,
  } satisfies FileFact
})

/** An absolute bind source: only resolved (the policy sees where it really points), never read. */
const hostPath = Effect.fnUntraced(function* (path: string) {
  const fs = yield* FileSystem.FileSystem
  const real = yield* Effect.option(fs.realPath(path))
  if (Option.isNone(real)) return { kind: "missing" } satisfies FileFact
  const info = yield* fs.stat(real.value)
  return info.type === "Directory"
    ? ({ kind: "directory", realPath: real.value } satisfies FileFact)
    : ({ kind: "file", realPath: real.value, content: new Uint8Array() } satisfies FileFact)
})

const locate = Effect.fnUntraced(function* (
  places: FilePlaces,
  relative: string,
  refs: ReadonlyArray<FileRef>,
) {
  if (refs[0]?.kind === "host") return yield* hostPath(relative)
  const inRepository = posix.relative(places.repository, posix.resolve(places.manifestDir, relative))
  const found = yield* look(places.repository, inRepository, refs, undefined)
  if (found !== undefined) return found
  const looked = [posix.join(places.repository, inRepository)]
  if (places.localFiles !== undefined) {
    const local = yield* look(places.localFiles, inRepository, refs, "local")
    if (local !== undefined) return local
    looked.push(posix.join(places.localFiles, inRepository))
  }
  if (!refs.every((r) => r.kind === "bind")) return { kind: "missing", looked } satisfies FileFact
  // A bind source found nowhere: data, created as a directory as Compose does.
  const realRoot = places.binds ?? places.repository
  if (places.binds !== undefined) {
    const kept = yield* look(realRoot, inRepository, refs, "data")
    if (kept !== undefined) return kept
  }
  const { path: realPath, existing } = yield* settle(posix.join(realRoot, inRepository))
  if (!isInside(realRoot, realPath))
    return {
      kind: "outside",
      realPath,
      place: places.binds === undefined ? "repository" : "data",
      root: realRoot,
    } satisfies FileFact
  // `mkdir -p` would fail on a file in the way: say so now, not half-way through apply.
  const fs = yield* FileSystem.FileSystem
  if (existing !== undefined && (yield* fs.stat(existing)).type !== "Directory")
    return { kind: "blocked", realPath, by: existing } satisfies FileFact
  return {
    kind: "directory",
    realPath,
    create: true,
    ...(places.binds === undefined ? {} : { from: "data" as const }),
  } satisfies FileFact
})

/** Looks up every reference once (by its normalized path). */
export const locateReferences = Effect.fn("locateReferences")(function* (
  places: FilePlaces,
  refs: ReadonlyArray<FileRef>,
) {
  const byPath = new Map<string, Array<FileRef>>()
  for (const ref of refs) byPath.set(ref.relative, [...(byPath.get(ref.relative) ?? []), ref])
  const facts = new Map<string, FileFact>()
  const files: Array<string> = []
  const directories: Array<string> = []
  // The data directory may not exist yet: held to where it will be once created.
  const settled = places.binds === undefined ? places : { ...places, binds: yield* settlePath(places.binds) }
  for (const [relative, same] of byPath) {
    const fact: FileFact = yield* locate(settled, relative, same)
    facts.set(relative, fact)
    if (
      fact.kind === "file" &&
      same[0]?.kind !== "host" &&
      (fact.from === undefined || isConfiguration(same))
    )
      files.push(fact.realPath)
    if (fact.kind === "directory" && fact.create === true) directories.push(fact.realPath)
  }
  return { facts, files, directories } satisfies LocatedFiles
})

/** The enclosing git work tree's root (a `.git` directory or file), else undefined. */
export const findRepositoryRoot = Effect.fn("findRepositoryRoot")(function* (directory: string) {
  const fs = yield* FileSystem.FileSystem
  for (let dir = directory; ; dir = posix.dirname(dir)) {
    if (yield* Effect.orElseSucceed(fs.exists(posix.join(dir, ".git")), () => false)) return dir
    if (posix.dirname(dir) === dir) return undefined
  }
})

/** Creates the bind sources found nowhere, as Compose would: directories, parents included. */
export const createDirectories = Effect.fn("createDirectories")(function* (
  directories: ReadonlyArray<string>,
) {
  const fs = yield* FileSystem.FileSystem
  for (const dir of directories) yield* fs.makeDirectory(dir, { recursive: true })
})
