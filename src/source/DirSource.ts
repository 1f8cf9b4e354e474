/**
 * The local-directory source (`--dir`): no git, the files are used where they are.
 * The revision is a content hash of what decides the desired state at the top level
 * (the manifest and the `.env` beside it), so an unchanged directory reads as the
 * same revision and a pass over it is a no-op.
 */
import { createHash } from "node:crypto"
import { readFile, stat } from "node:fs/promises"
import { dirname, join, resolve } from "node:path"
import { Effect, Layer } from "effect"
import { ManifestSource, SourceError, type SourceSnapshot } from "./ManifestSource.ts"

const invalid = (message: string) => new SourceError({ reason: "Invalid", message })

const codeOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined

/** `dir:` + the first 12 hex digits of sha256(manifest + "\0" + .env, if present). */
export const dirRevision = (manifest: string, dotEnv: string | undefined): string =>
  "dir:" +
  createHash("sha256")
    .update(dotEnv === undefined ? manifest : `${manifest}\0${dotEnv}`)
    .digest("hex")
    .slice(0, 12)

const make = (dir: string, manifestPath: string | undefined) => {
  const root = resolve(dir)
  if (manifestPath === undefined) return projectsDir(root)
  const manifestFile = resolve(root, manifestPath)
  const envFile = join(dirname(manifestFile), ".env")

  const sync = Effect.fn("DirSource.sync")(function* () {
    const isDir = yield* Effect.tryPromise({
      try: () => stat(root).then((s) => s.isDirectory()),
      catch: (e) =>
        invalid(
          codeOf(e) === "ENOENT"
            ? `the directory ${root} does not exist (check --dir)`
            : `cannot read the directory ${root}: ${String(e)}`,
        ),
    })
    if (!isDir) return yield* invalid(`${root} is not a directory (check --dir)`)
    const manifest = yield* Effect.tryPromise({
      try: () => readFile(manifestFile, "utf8"),
      catch: (e) =>
        invalid(
          codeOf(e) === "ENOENT"
            ? `there is no manifest at ${manifestFile} (check --path, relative to --dir)`
            : `cannot read the manifest ${manifestFile}: ${String(e)}`,
        ),
    })
    const dotEnv = yield* Effect.tryPromise({
      try: () =>
        readFile(envFile, "utf8").catch((e: unknown) => {
          if (codeOf(e) === "ENOENT") return undefined
          throw e
        }),
      catch: (e) => invalid(`cannot read ${envFile}: ${String(e)}`),
    })
    return { revision: dirRevision(manifest, dotEnv), root } satisfies SourceSnapshot
  })

  return ManifestSource.of({
    describe: { kind: "dir", location: root, ref: manifestPath },
    sync: sync(),
  })
}

/**
 * With `--projects` there is no one manifest to hash: the revision is a constant, and
 * the daemon reloads the projects on every pass (directory mode never caches).
 */
const projectsDir = (root: string) =>
  ManifestSource.of({
    describe: { kind: "dir", location: root, ref: "projects" },
    sync: Effect.tryPromise({
      try: () => stat(root).then((s) => s.isDirectory()),
      catch: (e) => invalid(`cannot read the directory ${root} (check --dir): ${String(e)}`),
    }).pipe(
      Effect.flatMap((isDir) =>
        isDir
          ? Effect.succeed({ revision: "dir:projects", root } satisfies SourceSnapshot)
          : Effect.fail(invalid(`${root} is not a directory (check --dir)`)),
      ),
    ),
  })

export const DirSource = {
  /**
   * A ManifestSource over the files in `dir`; `manifestPath` is relative to it (e.g.
   * `fleet.yaml`), undefined with `--projects`.
   */
  layer: (dir: string, manifestPath: string | undefined): Layer.Layer<ManifestSource> =>
    Layer.sync(ManifestSource, () => make(dir, manifestPath)),
}
