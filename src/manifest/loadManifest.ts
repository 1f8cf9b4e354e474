/**
 * Reads fleet.yaml, its `.env` and every file it refers to, and runs the pure
 * pipeline (manifestFromText.ts) over them. Every failure, I/O included, becomes a
 * ManifestError with positions; nothing here throws.
 */
import { lstat, readFile, realpath, stat } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import { Effect } from "effect"
import type { DesiredState } from "../domain/DesiredState.ts"
import { ManifestError } from "./ManifestError.ts"
import type { FileFact, FileRef } from "./manifestFiles.ts"
import { isInside } from "./manifestFiles.ts"
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
  /** Positions a manifest path (`services.web.cap_add[0]`), for policy violations. */
  readonly issueAt: Located["issueAt"]
}

export interface LoadManifestOptions {
  /** Overrides the manifest's `name:` and the directory name. */
  readonly fleet?: string | undefined
  /** Variables for interpolation (the daemon passes its environment). */
  readonly environment: Readonly<Record<string, string | undefined>>
}

const errorCode = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined

const fileError = (file: string, message: string, hint?: string) =>
  new ManifestError({
    file,
    issues: [{ line: 1, column: 1, path: "", message, ...(hint === undefined ? {} : { hint }) }],
  })

/** What is at `relative`; content is read only for regular files inside the root. */
const inspect = async (root: string, ref: FileRef): Promise<FileFact> => {
  let realPath: string
  try {
    realPath = await realpath(resolve(root, ref.relative))
  } catch {
    return { kind: "missing" }
  }
  const info = await stat(realPath)
  if (info.isDirectory()) return { kind: "directory", realPath }
  // A host path is only resolved, never read: its content is none of fleetd's business.
  if (!info.isFile() || !isInside(root, realPath) || ref.kind === "host")
    return { kind: "file", realPath, content: new Uint8Array() }
  return { kind: "file", realPath, content: await readFile(realPath) }
}

const readOptional = async (path: string): Promise<string | undefined> => {
  try {
    return (await lstat(path)).isFile() ? await readFile(path, "utf8") : undefined
  } catch (e) {
    if (errorCode(e) === "ENOENT") return undefined
    throw e
  }
}

type Outcome = { readonly result: ManifestResult; readonly files: ReadonlyArray<string> }

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
  const text = await readFile(absolute, "utf8")
  const dotEnv = await readOptional(resolve(root, ".env"))
  const staged = stageManifest({
    file,
    text,
    root,
    fleet: options.fleet,
    environment: options.environment,
    dotEnv,
  })
  const files = [absolute, resolve(root, ".env")]
  if ("_tag" in staged) return { result: staged, files }
  const facts = new Map<string, FileFact>()
  for (const ref of staged.refs)
    if (!facts.has(ref.relative)) facts.set(ref.relative, await inspect(root, ref))
  for (const ref of staged.refs) {
    const fact = facts.get(ref.relative)
    if (ref.kind !== "host" && fact?.kind === "file") files.push(fact.realPath)
  }
  return { result: finishManifest(staged, (relative) => facts.get(relative) ?? { kind: "missing" }), files }
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
              issueAt: outcome.result.issueAt,
            }),
    ),
    Effect.withSpan("loadManifest"),
  )
