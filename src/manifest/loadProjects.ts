/**
 * `--projects`: discovers the project directories, loads each one's compose file as its
 * own manifest (its own `.env`, files relative to its own directory, named by its
 * `name:` else its directory), then runs the checks across projects. An invalid project
 * is a value here, never a failure: the others proceed.
 */
import { basename, join, resolve } from "node:path"
import { Effect, FileSystem, Result } from "effect"
import { parseDocument } from "yaml"
import { crossProjectChecks } from "./crossProjectChecks.ts"
import { discoverProjects, type ListDirectory, type ProjectDir } from "./discoverProjects.ts"
import { normalizeFleetName } from "./fleetName.ts"
import { type LoadedManifest, type LoadManifestOptions, loadManifest } from "./loadManifest.ts"
import { ManifestError } from "./ManifestError.ts"
import type { ProjectPatterns } from "./projectGlob.ts"

export interface ProjectOutcome extends ProjectDir {
  /**
   * The fleet's name: from the loaded manifest, else (invalid project) its `name:` if the
   * YAML still says one, else the directory's name normalized. Used for status only.
   */
  readonly fleet: string
  readonly loaded: Result.Result<LoadedManifest, ManifestError>
}

export interface LoadedProjects {
  readonly projects: ReadonlyArray<ProjectOutcome>
  /** Across projects (shared host ports) and per directory (compose files ignored). */
  readonly warnings: ReadonlyArray<string>
}

export interface LoadProjectsOptions {
  /** Variables for interpolation, as for a single manifest. */
  readonly environment: Readonly<Record<string, string | undefined>>
  /** `--local-files`, laid over the repository (`root`) for every project. */
  readonly localFiles?: string | undefined
  /** `<data-dir>/binds` in `--repo` mode: each project's data in `<binds>/<fleet>/` (LoadManifestOptions.binds). */
  readonly binds?: string | undefined
  /** The age key file for SOPS env files (LoadManifestOptions.ageKeyFile). */
  readonly ageKeyFile?: string | undefined
  /** The host's key for secret content hashes (LoadManifestOptions.hashKey). */
  readonly hashKey?: LoadManifestOptions["hashKey"]
  /** Loads one project; the memo of the daemon slots in here. */
  readonly load?: (project: ProjectDir, path: string) => Effect.Effect<LoadedManifest, ManifestError>
}

/** A best guess at an invalid project's name, so status can still name it. */
const guessName = Effect.fnUntraced(function* (path: string, dir: string, root: string) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(path).pipe(Effect.orElseSucceed(() => undefined))
  try {
    const name = text === undefined ? undefined : parseDocument(text).get("name")
    if (typeof name === "string" && name !== "") return name
  } catch {}
  return normalizeFleetName(basename(dir === "." ? resolve(root) : dir)) || "project"
})

export const loadProjects = Effect.fnUntraced(function* <R>(
  root: string,
  patterns: ProjectPatterns,
  list: ListDirectory<R>,
  options: LoadProjectsOptions,
) {
  const dirs = yield* discoverProjects(patterns, list)
  const load =
    options.load ??
    ((_: ProjectDir, path: string) =>
      // A project's files may reach anywhere in the repository (`../../secrets/app.env`).
      loadManifest(path, {
        fleet: undefined,
        environment: options.environment,
        repository: root,
        localFiles: options.localFiles,
        binds: options.binds,
        ageKeyFile: options.ageKeyFile,
        hashKey: options.hashKey,
      }))
  const loaded = yield* Effect.forEach(dirs, (project) =>
    Effect.gen(function* () {
      const path = join(root, project.file)
      const result = yield* Effect.result(
        load(project, path).pipe(
          // Messages name the file as the user knows it, relative to the repository.
          Effect.mapError((e) => new ManifestError({ file: project.file, issues: e.issues })),
        ),
      )
      const fleet = Result.isSuccess(result)
        ? result.success.desired.fleet
        : yield* guessName(path, project.dir, root)
      return { ...project, fleet, loaded: result }
    }),
  )
  const valid = loaded.flatMap((p) =>
    Result.isSuccess(p.loaded)
      ? [{ file: p.file, desired: p.loaded.success.desired, issueAt: p.loaded.success.issueAt }]
      : [],
  )
  const cross = crossProjectChecks(valid)
  const projects = loaded.map((p): ProjectOutcome => {
    const issues = cross.errors.get(p.file)
    return issues === undefined
      ? p
      : { ...p, loaded: Result.fail(new ManifestError({ file: p.file, issues })) }
  })
  const ignoredWarnings = dirs.flatMap((d) =>
    d.ignored.map(
      (f) =>
        `${f} is ignored: ${d.file} is the project's compose file (the first of the names Compose looks for)`,
    ),
  )
  return { projects, warnings: [...ignoredWarnings, ...cross.warnings] } satisfies LoadedProjects
})
