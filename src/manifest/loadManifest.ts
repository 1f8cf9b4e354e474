/**
 * Reads fleet.yaml, its `.env`, the files it includes and extends and every file it
 * refers to, through Effect's FileSystem (tests run it on an in-memory one), and runs
 * the pure pipeline (manifestFromText.ts) over them. Every failure, I/O included,
 * becomes a ManifestError with positions.
 */
import { dirname, join, relative, resolve } from "node:path"
import { Effect, FileSystem } from "effect"
import type { DesiredState } from "../domain/DesiredState.ts"
import { readBuildContext } from "./buildContext.ts"
import { decryptDotEnv, decryptSopsFiles } from "./decryptSopsFiles.ts"
import { locateReferences } from "./hostFiles.ts"
import { ManifestError } from "./ManifestError.ts"
import type { FileFact } from "./manifestFiles.ts"
import { finishManifest, type ManifestResult, stageManifest } from "./manifestFromText.ts"
import { readHashKey } from "./secretHashKey.ts"
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
  /**
   * The age key file (FLEETD_AGE_KEY_FILE, else SOPS_AGE_KEY_FILE: ageKeyFileFrom), read
   * only when a referenced file is SOPS-encrypted (decryptSopsFiles.ts).
   */
  readonly ageKeyFile?: string | undefined
  /** `--swarm`: read the manifest for a Swarm (ManifestText.target). */
  readonly target?: "swarm" | undefined
  /**
   * The host's key for secret content hashes (manifest/secretHashKey.ts): read from `path`,
   * created there when missing and `create`. Unset: plain SHA-256 (tests).
   */
  readonly hashKey?: { readonly path: string; readonly create: boolean } | undefined
}

const fileError = (file: string, message: string, hint?: string) =>
  new ManifestError({
    file,
    issues: [{ line: 1, column: 1, path: "", message, ...(hint === undefined ? {} : { hint }) }],
  })

/** Include and extends chains read a file per round; a deeper one is refused, not looped on. */
const MaxRounds = 32

const notFound = (e: unknown) =>
  typeof e === "object" &&
  e !== null &&
  "reason" in e &&
  (e as { reason: { _tag?: string } }).reason._tag === "NotFound"

/** A missing path is a fact, not a failure; any other I/O error fails the load. */
const orMissing = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A | undefined, E, R> =>
  Effect.catchIf(effect, notFound, () => Effect.succeed(undefined))

const readOptional = Effect.fnUntraced(function* (fs: FileSystem.FileSystem, path: string) {
  const info = yield* orMissing(fs.stat(path))
  return info?.type === "File" ? yield* fs.readFileString(path) : undefined
})

type Outcome = {
  readonly result: ManifestResult
  readonly files: ReadonlyArray<string>
  readonly directories: ReadonlyArray<string>
}

const run = Effect.fnUntraced(function* (file: string, options: LoadManifestOptions) {
  const fs = yield* FileSystem.FileSystem
  const absolute = resolve(file)
  const info = yield* orMissing(fs.stat(absolute))
  if (info === undefined) return fileError(file, "cannot read the manifest: no such file")
  if (Number(info.size) > MaxManifestBytes)
    return fileError(
      file,
      `the manifest is ${info.size} bytes, over the ${MaxManifestBytes}-byte limit`,
      "keep fleet.yaml under 1 MiB",
    )
  const root = yield* fs.realPath(dirname(absolute))
  const repository = options.repository === undefined ? undefined : yield* fs.realPath(options.repository)
  const localFiles =
    options.localFiles === undefined ? undefined : yield* orMissing(fs.realPath(options.localFiles))
  if (options.localFiles !== undefined && localFiles === undefined)
    return fileError(file, `cannot read --local-files ${options.localFiles}: ENOENT`)
  const text = yield* fs.readFileString(absolute)
  const key =
    options.hashKey === undefined
      ? undefined
      : yield* Effect.result(readHashKey(options.hashKey.path, options.hashKey.create))
  if (key?._tag === "Failure")
    return fileError(
      file,
      `cannot use the hash key file ${options.hashKey?.path}: ${key.failure.message}`,
      "it must be a file fleetd can read and write (FLEETD_HASH_KEY_FILE, else <data dir>/hash.key; docs/secrets.md)",
    )
  const secretKey = key?.success
  // A git-ignored `.env` kept on the host is laid over the repository like any other file.
  const localEnv =
    localFiles === undefined ? undefined : join(localFiles, relative(repository ?? root, root), ".env")
  const ownEnv = yield* readOptional(fs, resolve(root, ".env"))
  const rawEnv = ownEnv ?? (localEnv === undefined ? undefined : yield* readOptional(fs, localEnv))
  // A SOPS-encrypted .env is decrypted here, in memory, like an env_file.
  const env = rawEnv === undefined ? undefined : yield* decryptDotEnv(rawEnv, options.ageKeyFile)
  if (env !== undefined && !("text" in env))
    return new ManifestError({ file, issues: [{ file: ".env", path: "", ...env }] })
  const dotEnv = env?.text
  const places = {
    repository: repository ?? root,
    manifestDir: root,
    localFiles,
    binds: undefined,
  }
  // Included and extended files (and their env files) are found like any reference:
  // in the repository, else in --local-files. Each round reads what the last one named.
  const sources = new Map<string, FileFact>()
  const watched: Array<string> = []
  const input = {
    file,
    text,
    root,
    repository,
    fleet: options.fleet,
    environment: options.environment,
    target: options.target,
    secretKey,
    dotEnv,
    sources: (path: string) => sources.get(path),
  }
  let staged = stageManifest(input)
  for (let round = 0; staged._tag === "need"; round++) {
    if (round === MaxRounds)
      return fileError(file, `include and extends reach more than ${MaxRounds} files deep`)
    const refs = staged.paths.map((path) => ({
      kind: "env_file" as const,
      relative: path,
      at: [],
      required: true,
    }))
    const located = yield* locateReferences(places, refs)
    for (const [path, fact] of located.facts) sources.set(path, fact)
    watched.push(...located.files, ...staged.paths.map((path) => resolve(root, path)))
    staged = stageManifest(input)
  }
  const files = [absolute, resolve(root, ".env"), ...(localEnv === undefined ? [] : [localEnv]), ...watched]
  if (staged._tag !== "staged") return { result: staged, files, directories: [] } satisfies Outcome
  const located = yield* locateReferences(
    {
      ...places,
      binds: options.binds === undefined ? undefined : join(resolve(options.binds), staged.fleet),
    },
    staged.refs,
  )
  // SOPS files (env files, secrets, configs) are decrypted here, in memory: the pipeline sees (and hashes) the cleartext.
  const facts = new Map(yield* decryptSopsFiles(located.facts, staged.refs, options.ageKeyFile))
  // Build contexts are listed as the builder gets them; directory mode watches their files.
  const contextFiles: Array<string> = []
  for (const ref of staged.refs) {
    const fact = facts.get(ref.relative)
    if (ref.kind !== "build" || fact?.kind !== "directory" || fact.context !== undefined) continue
    const context = yield* readBuildContext(fact.realPath)
    facts.set(ref.relative, { ...fact, context })
    for (const entry of context.files) contextFiles.push(resolve(fact.realPath, entry))
  }
  return {
    result: finishManifest(staged, (path) => facts.get(path) ?? { kind: "missing" }),
    files: [...files, ...located.files, ...contextFiles],
    directories: located.directories,
  } satisfies Outcome
})

export const loadManifest = (
  file: string,
  options: LoadManifestOptions,
): Effect.Effect<LoadedManifest, ManifestError, FileSystem.FileSystem> =>
  run(file, options).pipe(
    Effect.catch((e) =>
      Effect.succeed(fileError(file, `cannot read the manifest or a file it refers to: ${String(e)}`)),
    ),
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
