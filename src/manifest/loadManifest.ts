/**
 * Reads fleet.yaml, its `.env` and every file it refers to, and runs the pure
 * pipeline (manifestFromText.ts) over them. Every failure, I/O included, becomes a
 * ManifestError with positions; nothing here throws.
 */
import { lstat, readFile, realpath, stat } from "node:fs/promises"
import { dirname, join, relative, resolve } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect } from "effect"
import type { DesiredState } from "../domain/DesiredState.ts"
import { readBuildContext } from "./buildContext.ts"
import { locateReferences } from "./hostFiles.ts"
import { ManifestError } from "./ManifestError.ts"
import { finishManifest, type ManifestResult, stageManifest } from "./manifestFromText.ts"
import { type Located, MaxManifestBytes } from "./yamlDocument.ts"

export interface LoadedManifest {
  readonly desired: DesiredState
  /** Unset variables, an empty services map, ...: worth showing, not worth refusing. */
  readonly warnings: ReadonlyArray<string>
  /**
   * Absolute paths of the files the result depends on: the manifest, `.env` (which may
   * not exist yet) and every regular file referenced (env_file, bind-mounted files).
   * Directory mode watches exactly these.
   */
  readonly files: ReadonlyArray<string>
  /** Bind sources found nowhere (a container's data): `apply` creates them as directories, as Compose does. */
  readonly directories: ReadonlyArray<string>
  /** Positions a manifest path (`services.web.cap_add[0]`), for policy violations. */
  readonly issueAt: Located["issueAt"]
}

export interface LoadManifestOptions {
  /** Overrides the manifest's `name:` and the directory name. */
  readonly fleet?: string | undefined
  /** Variables for interpolation (the daemon passes its environment). */
  readonly environment: Readonly<Record<string, string | undefined>>
  /** The repository root (the checkout, `--dir`, the git work tree): references may go anywhere inside it. */
  readonly repository?: string | undefined
  /** `--local-files`: laid over the repository for the files git must not hold (hostFiles.ts). */
  readonly localFiles?: string | undefined
  /** Bind sources found nowhere live in `<binds>/<fleet>/` (`--repo` mode); unset: in the repository. */
  readonly binds?: string | undefined
}

const errorCode = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined

const fileError = (file: string, message: string, hint?: string) =>
  new ManifestError({
    file,
    issues: [{ line: 1, column: 1, path: "", message, ...(hint === undefined ? {} : { hint }) }],
  })

const readOptional = async (path: string): Promise<string | undefined> => {
  try {
    return (await lstat(path)).isFile() ? await readFile(path, "utf8") : undefined
  } catch (e) {
    if (errorCode(e) === "ENOENT") return undefined
    throw e
  }
}

type Outcome = {
  readonly result: ManifestResult
  readonly files: ReadonlyArray<string>
  readonly directories: ReadonlyArray<string>
}

const run = async (file: string, options: LoadManifestOptions): Promise<Outcome | ManifestError> => {
  const absolute = resolve(file)
  let size: number
  try {
    size = (await stat(absolute)).size
  } catch (e) {
    return fileError(
      file,
      `cannot read the manifest: ${errorCode(e) === "ENOENT" ? "no such file" : String(e)}`,
    )
  }
  if (size > MaxManifestBytes)
    return fileError(
      file,
      `the manifest is ${size} bytes, over the ${MaxManifestBytes}-byte limit`,
      "keep fleet.yaml under 1 MiB",
    )
  const root = await realpath(dirname(absolute))
  const repository = options.repository === undefined ? undefined : await realpath(options.repository)
  let localFiles: string | undefined
  try {
    localFiles = options.localFiles === undefined ? undefined : await realpath(options.localFiles)
  } catch (e) {
    return fileError(file, `cannot read --local-files ${options.localFiles}: ${errorCode(e) ?? String(e)}`)
  }
  const text = await readFile(absolute, "utf8")
  // A git-ignored `.env` kept on the host is laid over the repository like any other file.
  const localEnv =
    localFiles === undefined ? undefined : join(localFiles, relative(repository ?? root, root), ".env")
  const ownEnv = await readOptional(resolve(root, ".env"))
  const dotEnv = ownEnv ?? (localEnv === undefined ? undefined : await readOptional(localEnv))
  const staged = stageManifest({
    file,
    text,
    root,
    repository,
    fleet: options.fleet,
    environment: options.environment,
    dotEnv,
  })
  const files = [absolute, resolve(root, ".env"), ...(localEnv === undefined ? [] : [localEnv])]
  if ("_tag" in staged) return { result: staged, files, directories: [] }
  const located = await Effect.runPromise(
    locateReferences(
      {
        repository: repository ?? root,
        manifestDir: root,
        localFiles,
        binds: options.binds === undefined ? undefined : join(resolve(options.binds), staged.fleet),
      },
      staged.refs,
    ).pipe(Effect.provide(NodeFileSystem.layer)),
  )
  // Build contexts are listed as the builder gets them; directory mode watches their files.
  const facts = new Map(located.facts)
  const contextFiles: Array<string> = []
  for (const ref of staged.refs) {
    const fact = facts.get(ref.relative)
    if (ref.kind !== "build" || fact?.kind !== "directory" || fact.context !== undefined) continue
    const context = await readBuildContext(fact.realPath)
    facts.set(ref.relative, { ...fact, context })
    for (const entry of context.files) contextFiles.push(resolve(fact.realPath, entry))
  }
  return {
    result: finishManifest(staged, (path) => facts.get(path) ?? { kind: "missing" }),
    files: [...files, ...located.files, ...contextFiles],
    directories: located.directories,
  }
}

export const loadManifest = (
  file: string,
  options: LoadManifestOptions,
): Effect.Effect<LoadedManifest, ManifestError> =>
  Effect.tryPromise({
    try: () => run(file, options),
    catch: (e) => fileError(file, `cannot read the manifest or a file it refers to: ${String(e)}`),
  }).pipe(
    Effect.flatMap((outcome) =>
      outcome instanceof ManifestError
        ? Effect.fail(outcome)
        : outcome.result._tag === "error"
          ? Effect.fail(new ManifestError({ file, issues: outcome.result.issues }))
          : Effect.succeed({
              desired: outcome.result.desired,
              warnings: outcome.result.warnings,
              files: [...new Set(outcome.files)],
              directories: outcome.directories,
              issueAt: outcome.result.issueAt,
            }),
    ),
    Effect.withSpan("loadManifest"),
  )
