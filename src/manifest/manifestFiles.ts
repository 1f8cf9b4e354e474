/**
 * The host files a manifest refers to (env_file, bind-mount sources), and the rule
 * that repository files stay inside the repository: relative to fleet.yaml, no `..`
 * escape, no `~` path, and (checked against the real paths the loader reports) no
 * escape through a symlink. A repository must not be able to read /etc. When the
 * repository's root is known (the daemon's checkout or directory, the git work tree
 * around `-f`), a path may climb out of the manifest's directory as long as it stays
 * inside that root (`../../secrets/app.env` from `services/app/`); when it is not,
 * the manifest's directory is the root. Absolute bind sources are host paths: the
 * loader only resolves their symlinks (never reads them) and the operator policy
 * decides whether they may be mounted. Where a reference is found (the repository,
 * --local-files, the fleet's data directory) is hostFiles.ts's business.
 */
import { posix } from "node:path"
import type { ContextListing } from "./buildContext.ts"
import { buildPaths } from "./buildPaths.ts"
import type { Manifest, Service } from "./Manifest.ts"
import { fileObjectRefs } from "./normalizeSecrets.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"
import { sourceAt } from "./schema/ServiceVolume.ts"

export interface FileRef {
  /** `build`: a build context (listed with its .dockerignore) or a Dockerfile. */
  readonly kind: "env_file" | "bind" | "host" | "build" | "secret" | "config"
  /** Normalized path relative to the manifest's directory, e.g. `example/site`; absolute for `host`. */
  readonly relative: string
  /** Where it is written in the manifest. */
  readonly at: ReadonlyArray<PropertyKey>
  /** `env_file` with `required: false` may be missing. */
  readonly required: boolean
  /** A bind mounted read-only: its content is configuration, not the container's data. */
  readonly readOnly?: boolean
}

/**
 * Where a reference was found when not in the repository itself: `local` is
 * --local-files, `data` the directory fleetd keeps for the fleet's bind-mounted data.
 */
export type FilePlace = "repository" | "local" | "data"

/** Why a SOPS file could not be decrypted, at a position in that file (never quoting a value). */
export interface SopsIssue {
  readonly message: string
  readonly line: number
  readonly column: number
  readonly hint?: string
}

/** What the loader found at a FileRef; tests build these in memory. */
export type FileFact =
  | {
      readonly kind: "file"
      readonly realPath: string
      readonly content: Uint8Array
      readonly from?: "local" | "data"
      /**
       * A SOPS-encrypted file that could not be decrypted (no key, wrong key, a
       * MAC that does not match): reported at the reference; `content` is then empty.
       * One that could is a plain file whose content is the cleartext, in memory only.
       */
      readonly sopsError?: SopsIssue
      /** `content` is the cleartext of a SOPS file: never bind-mount the path (decryptSopsFiles.ts). */
      readonly decrypted?: true
    }
  | {
      readonly kind: "directory"
      readonly realPath: string
      readonly from?: "local" | "data"
      /** Found nowhere: a bind source Compose would create, as a directory, before starting. */
      readonly create?: true
      /** For a build context: what would be sent to the builder (buildContext.ts). */
      readonly context?: ContextListing
    }
  /** `looked`: every place searched, for the error (the repository, then --local-files). */
  | { readonly kind: "missing"; readonly looked?: ReadonlyArray<string> }
  /** A bind source to create as a directory where a file (`by`) is in the way. */
  | { readonly kind: "blocked"; readonly realPath: string; readonly by: string }
  /** A symlink that leads out of the place it was found in. */
  | { readonly kind: "outside"; readonly realPath: string; readonly place: FilePlace; readonly root: string }

const escapeIssue = (
  kind: FileRef["kind"],
  source: string,
  at: ReadonlyArray<PropertyKey>,
  base: string | undefined,
): PathIssue | undefined => {
  const what = kind === "env_file" ? "env_file" : "bind mount source"
  if (source.startsWith("~"))
    return pathIssue(at, `${what} ${source} uses ~, which fleetd does not expand`, {
      hint: kind === "env_file" ? "use a path relative to fleet.yaml" : "write the absolute host path",
    })
  if (source.startsWith("/"))
    return pathIssue(at, `${what} ${source} is outside the repository`, {
      hint: "use a path relative to fleet.yaml",
    })
  if (escapes(source, base))
    return pathIssue(at, `${what} ${source} escapes the repository`, {
      hint:
        base === undefined
          ? "use a path inside the directory of fleet.yaml"
          : "use a path inside the repository",
    })
  return undefined
}

/** `base`: the manifest's directory relative to the repository root, when that root is known. */
const escapes = (source: string, base: string | undefined): boolean => {
  const normalized = posix.normalize(posix.join(base ?? "", source))
  return normalized === ".." || normalized.startsWith("../")
}

/** Every file reference in the manifest, plus issues for those that escape lexically. */
export const manifestFiles = (
  manifest: Manifest,
  base?: string,
): { refs: ReadonlyArray<FileRef>; issues: ReadonlyArray<PathIssue> } => {
  const refs: Array<FileRef> = []
  const issues: Array<PathIssue> = []
  const add = (
    kind: FileRef["kind"],
    source: string,
    at: ReadonlyArray<PropertyKey>,
    required: boolean,
    readOnly?: boolean,
  ) => {
    if (kind === "bind" && source.startsWith("/")) {
      refs.push({ kind: "host", relative: posix.normalize(source), at, required })
      return
    }
    const issue = escapeIssue(kind, source, at, base)
    if (issue !== undefined) issues.push(issue)
    else
      refs.push({ kind, relative: posix.normalize(source), at, required, ...(readOnly ? { readOnly } : {}) })
  }
  for (const [name, service] of Object.entries(manifest.services ?? {})) {
    for (const e of service.env_file ?? [])
      add("env_file", e.path, ["services", name, "env_file", ...e.at], e.required)
    const binds = (volumes: Service["volumes"], at: ReadonlyArray<PropertyKey>) => {
      for (const [i, v] of (volumes ?? []).entries())
        if (v.type === "bind" && v.source !== undefined)
          add("bind", v.source, [...at, i, ...sourceAt(v)], true, v.read_only)
    }
    binds(service.volumes, ["services", name, "volumes"])
    // Escapes are reported by normalizeBuild, with the build's own wording.
    const build = buildPaths(service, base)
    for (const path of [build?.context, build?.dockerfile])
      if (path?.relative !== undefined)
        refs.push({
          kind: "build",
          relative: path.relative,
          at: ["services", name, ...path.at],
          required: true,
        })
    // Hook containers (`run` steps) mount under the same rules as the service.
    for (const [phase, steps] of Object.entries(service["x-fleetd"]?.hooks ?? {}))
      for (const [i, step] of (steps ?? []).entries())
        binds(step.run?.volumes, ["services", name, "x-fleetd", "hooks", phase, i, "run", "volumes"])
  }
  const objects = fileObjectRefs(manifest, base)
  return { refs: [...refs, ...objects.refs], issues: [...issues, ...objects.issues] }
}

/** The symlink rule: the real path must be the root or below it. */
export const isInside = (root: string, realPath: string): boolean =>
  realPath === root || realPath.startsWith(root.endsWith("/") ? root : `${root}/`)

/** True for sources `manifestFiles` already rejects without looking at the disk. */
export const escapesLexically = (source: string, base?: string): boolean =>
  escapeIssue("bind", source, [], base) !== undefined
