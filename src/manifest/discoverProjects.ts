/**
 * Project discovery (`--projects`): every directory the globs select that holds a
 * compose file is a project, reconciled as its own fleet. The walk reads directories
 * only through `ListDirectory` (on disk: through Effect's FileSystem), so tests give it
 * a tree in memory; it never follows a symlinked directory (a project may not live
 * outside the repository).
 */
import { join } from "node:path"
import { Data, Effect, FileSystem } from "effect"
import { type ProjectPatterns, selectDirectories, walkDepth } from "./projectGlob.ts"

/** The file names a project directory may hold its manifest under; the first found wins. */
export const composeFileNames = [
  "compose.yaml",
  "compose.yml",
  "docker-compose.yaml",
  "docker-compose.yml",
  "podman-compose.yaml",
  "podman-compose.yml",
  "fleet.yaml",
] as const

export interface DirEntry {
  readonly name: string
  readonly kind: "file" | "directory" | "other"
}

/** Lists one directory, given relative to the root ("." for the root). */
export type ListDirectory<R = never> = (
  relative: string,
) => Effect.Effect<ReadonlyArray<DirEntry>, ProjectsError, R>

/** The repository could not be walked (a directory vanished or is unreadable). */
export class ProjectsError extends Data.TaggedError("ProjectsError")<{ readonly message: string }> {}

export interface ProjectDir {
  /** Relative to the root, `/`-separated; "." for the root itself. */
  readonly dir: string
  /** The compose file chosen, relative to the root (`services/web/compose.yaml`). */
  readonly file: string
  /** Other compose files in the directory, ignored (worth a warning). */
  readonly ignored: ReadonlyArray<string>
}

/** The compose file a directory's entries offer, in the order Compose looks for them. */
export const chooseComposeFile = (
  entries: ReadonlyArray<DirEntry>,
): { readonly file: string; readonly ignored: ReadonlyArray<string> } | undefined => {
  const files = new Set(entries.filter((e) => e.kind === "file").map((e) => e.name))
  const present = composeFileNames.filter((name) => files.has(name))
  const [file, ...ignored] = present
  return file === undefined ? undefined : { file, ignored }
}

/** Directories never walked: fleetd's own state and version control. */
const skipped = new Set([".git", ".fleetd", "node_modules"])

const childPath = (parent: string, name: string) => (parent === "." ? name : `${parent}/${name}`)

/** Every project the patterns select, sorted by directory. */
export const discoverProjects = Effect.fnUntraced(function* <R>(
  patterns: ProjectPatterns,
  list: ListDirectory<R>,
) {
  const depth = Math.min(walkDepth(patterns), 16)
  const entriesOf = new Map<string, ReadonlyArray<DirEntry>>()
  let frontier = ["."]
  for (let level = 0; level <= depth && frontier.length > 0; level++) {
    const next: Array<string> = []
    for (const dir of frontier) {
      const entries = yield* list(dir)
      entriesOf.set(dir, entries)
      if (level < depth)
        for (const e of entries)
          if (e.kind === "directory" && !skipped.has(e.name)) next.push(childPath(dir, e.name))
    }
    frontier = next
  }
  const projects: Array<ProjectDir> = []
  for (const dir of selectDirectories(patterns, [...entriesOf.keys()])) {
    const chosen = chooseComposeFile(entriesOf.get(dir) ?? [])
    if (chosen !== undefined)
      projects.push({
        dir,
        file: childPath(dir, chosen.file),
        ignored: chosen.ignored.map((f) => childPath(dir, f)),
      })
  }
  return projects as ReadonlyArray<ProjectDir>
})

/** ListDirectory below `root` through FileSystem; symlinks are "other", so never walked into. */
export const diskDirectory =
  (root: string): ListDirectory<FileSystem.FileSystem> =>
  (relative) =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      // Entry types are the entries' own (lstat), never their symlink targets'.
      const entries = yield* fs.readDirectoryEntries(join(root, relative))
      return entries.map(
        (e): DirEntry => ({
          name: e.name,
          kind: e.type === "File" ? "file" : e.type === "Directory" ? "directory" : "other",
        }),
      )
    }).pipe(
      Effect.mapError(
        (e) => new ProjectsError({ message: `cannot list ${join(root, relative)}: ${e.message}` }),
      ),
    )
