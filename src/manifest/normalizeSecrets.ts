/**
 * Compose `secrets` and `configs` → FileGrants, as `docker compose` gives them on one
 * engine (pkg/compose/create.go, secrets.go): a `file:` is bind-mounted read-only; the
 * value of `environment:` (or a config's `content:`) is copied in before start with
 * uid, gid and mode (default 0444). Secrets land at /run/secrets/<name> (a relative
 * `target` is under /run/secrets), configs at /<name> (a relative target under /).
 * Files follow env_file's rules: relative to fleet.yaml, inside the repository. A
 * SOPS-encrypted file (decrypted in memory by the loader) is copied in like a value.
 * Only definitions a service uses are looked at, as in Compose.
 *
 * Values are secrets: no message here quotes one.
 */
import { posix } from "node:path"
import { Redacted } from "effect"
import type { FileGrant } from "../domain/FileGrant.ts"
import { type ReferencedFile, sha256Hex } from "../domain/specHash.ts"
import type { Lookup } from "./interpolate.ts"
import type { Manifest, Service } from "./Manifest.ts"
import { escapesLexically, type FileFact, type FileRef } from "./manifestFiles.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"
import { referenceIssue } from "./referenceIssue.ts"
import { isReservedVariable, reservedVariableMessage } from "./reservedVariables.ts"
import { type ConfigDefinition, parseId, parseMode } from "./schema/secretFields.ts"

type Kind = "secrets" | "configs"
const kinds: ReadonlyArray<Kind> = ["secrets", "configs"]
const one = { secrets: "secret", configs: "config" } as const

/** A used definition, resolved once for every service that grants it. */
export type FileObject =
  | { readonly type: "file"; readonly relative: string; readonly realPath: string; readonly sha256: string }
  /** `sops`: from a SOPS-encrypted file (decrypted in memory), which only a copy can deliver. */
  | {
      readonly type: "content"
      /** Bytes for a decrypted SOPS file (a binary one need not be UTF-8), else the text. */
      readonly content: string | Uint8Array
      /** Keyed with the host's key (contentDigest): the labels must not let anyone test guesses. */
      readonly sha256: string
      readonly sops?: true
    }
  /** An empty value: Compose creates no file for it (a warning says so). */
  | { readonly type: "empty" }
  /** Refused; the issue is reported at the definition. */
  | { readonly type: "invalid" }

export type FileObjects = Readonly<Record<Kind, ReadonlyMap<string, FileObject>>>

interface GrantEntry {
  readonly source: string
  readonly target?: string | undefined
  readonly uid?: string | number | undefined
  readonly gid?: string | number | undefined
  readonly mode?: string | number | undefined
  readonly at: ReadonlyArray<PropertyKey>
}

const grantEntries = (service: Service, kind: Kind): ReadonlyArray<GrantEntry> =>
  (service[kind] ?? []).map((g, i) =>
    typeof g === "string" ? { source: g, at: [kind, i] } : { ...g, at: [kind, i] },
  )

type Definition = ConfigDefinition

const definitions = (manifest: Manifest, kind: Kind): Readonly<Record<string, Definition>> =>
  (manifest[kind] ?? {}) as Readonly<Record<string, Definition>>

/** Names of the definitions some service grants. */
const used = (manifest: Manifest, kind: Kind): ReadonlyArray<string> => {
  const names = new Set<string>()
  for (const service of Object.values(manifest.services ?? {}))
    for (const g of grantEntries(service, kind)) names.add(g.source)
  const defined = definitions(manifest, kind)
  return [...names].filter((n) => Object.hasOwn(defined, n)).sort()
}

const outsideIssue = (kind: Kind, name: string, file: string) =>
  pathIssue([kind, name, "file"], `${one[kind]} "${name}": file ${file} is outside the repository`, {
    hint: "use a path relative to fleet.yaml, inside its directory (as for env_file)",
  })

/** The repository files used definitions refer to, for the loader to read; lexical escapes are issues. */
export const fileObjectRefs = (
  manifest: Manifest,
  base?: string,
): { refs: ReadonlyArray<FileRef>; issues: ReadonlyArray<PathIssue> } => {
  const refs: Array<FileRef> = []
  const issues: Array<PathIssue> = []
  for (const kind of kinds)
    for (const name of used(manifest, kind)) {
      const file = definitions(manifest, kind)[name]?.file
      if (file === undefined) continue
      if (escapesLexically(file, base)) issues.push(outsideIssue(kind, name, file))
      else
        refs.push({
          kind: kind === "secrets" ? "secret" : "config",
          relative: posix.normalize(file),
          at: [kind, name, "file"],
          required: true,
          // Configuration, not data: read and hashed also when it comes from --local-files.
          readOnly: true,
        })
    }
  return { refs, issues }
}

interface FileContext {
  readonly root: string
  readonly base?: string | undefined
  readonly lookup: Lookup
  readonly file: (relative: string) => FileFact
  readonly contentDigest?: ((data: string | Uint8Array) => string) | undefined
}

/** Swarm-only keys that change what the container gets: refused, never half-applied. */
const swarmKeys = ["external", "driver", "driver_opts", "template_driver"] as const
/** Swarm-only keys that change nothing on one engine: Compose ignores them there, fleetd says so. */
const ignoredKeys = ["name", "labels"] as const

const resolveOne = (
  kind: Kind,
  name: string,
  def: Definition,
  ctx: FileContext,
  issues: Array<PathIssue>,
): FileObject => {
  const at = [kind, name]
  const before = issues.length
  for (const key of swarmKeys)
    if (def[key] !== undefined)
      issues.push(
        pathIssue(
          [...at, key],
          `${one[kind]} "${name}": ${key} is for Swarm ${kind}; fleetd runs on a single engine (as docker compose does), where a ${one[kind]} is a file given to the container`,
          {
            onKey: true,
            hint:
              key === "external"
                ? `define it with file: or environment:${kind === "configs" ? " or content:" : ""} instead`
                : `remove ${key}`,
          },
        ),
      )
  const sources = (["file", "environment", "content"] as const).filter((k) => def[k] !== undefined)
  const allowed = kind === "secrets" ? "file or environment" : "file, environment or content"
  if (sources.length !== 1)
    issues.push(
      pathIssue(
        at,
        sources.length === 0
          ? `${one[kind]} "${name}" needs one of ${allowed}`
          : `${one[kind]} "${name}" has ${sources.join(" and ")}; give exactly one of ${allowed}`,
        { onKey: true },
      ),
    )
  if (issues.length > before) return { type: "invalid" }
  const digest = ctx.contentDigest ?? sha256Hex
  const content = (value: string | Uint8Array, sops?: true): FileObject => ({
    type: "content",
    content: value,
    sha256: digest(value),
    ...(sops === undefined ? {} : { sops }),
  })

  if (def.file !== undefined) {
    if (escapesLexically(def.file, ctx.base)) return { type: "invalid" } // reported by fileObjectRefs
    const relative = posix.normalize(def.file)
    const fact = ctx.file(relative)
    const at = [kind, name, "file"]
    const problem = referenceIssue(
      fact,
      { relative, what: `${one[kind]} "${name}": file`, required: true, at },
      ctx,
    )
    if (problem !== undefined) issues.push(problem)
    else if (fact.kind !== "file")
      issues.push(pathIssue(at, `${one[kind]} "${name}": file ${relative} is not a regular file`))
    // A SOPS file's cleartext exists only in memory: copied in like a value, never mounted.
    else if (fact.decrypted === true)
      return fact.content.length === 0 ? { type: "empty" } : content(fact.content, true)
    else return { type: "file", relative, realPath: fact.realPath, sha256: digest(fact.content) }
    return { type: "invalid" }
  }
  if (def.environment !== undefined) {
    const variable = def.environment
    if (isReservedVariable(variable)) {
      issues.push(pathIssue([...at, "environment"], reservedVariableMessage(variable)))
      return { type: "invalid" }
    }
    const value = ctx.lookup(variable)
    if (value === undefined) {
      issues.push(
        pathIssue(
          [...at, "environment"],
          `${one[kind]} "${name}": variable ${variable} is not set (fleetd's environment or .env)`,
        ),
      )
      return { type: "invalid" }
    }
    return value === "" ? { type: "empty" } : content(value)
  }
  return def.content === "" || def.content === undefined ? { type: "empty" } : content(def.content)
}

/** Resolves every used definition once: files read, variables looked up. */
export const resolveFileObjects = (
  manifest: Manifest,
  ctx: FileContext,
): { readonly objects: FileObjects; readonly issues: ReadonlyArray<PathIssue> } => {
  const issues: Array<PathIssue> = []
  const resolveKind = (kind: Kind) =>
    new Map(
      used(manifest, kind).map((name) => [
        name,
        resolveOne(kind, name, definitions(manifest, kind)[name]!, ctx, issues),
      ]),
    )
  return { objects: { secrets: resolveKind("secrets"), configs: resolveKind("configs") }, issues }
}

const targetOf = (kind: Kind, g: GrantEntry): string => {
  const base = kind === "secrets" ? "/run/secrets/" : "/"
  const target = g.target === undefined || g.target === "" ? base + g.source : g.target
  return posix.normalize(target.startsWith("/") ? target : base + target)
}

export interface ServiceGrants {
  readonly fields: {
    readonly secrets?: ReadonlyArray<FileGrant>
    readonly configs?: ReadonlyArray<FileGrant>
  }
  /** Repository files granted, hashed with the spec like env_file. */
  readonly files: ReadonlyArray<ReferencedFile>
  readonly issues: ReadonlyArray<PathIssue>
}

/**
 * One service's grants. `taken` are the targets of its volumes and tmpfs mounts: a
 * grant on one of them is an error (Compose would silently let the volume win).
 */
export const grantFileObjects = (
  name: string,
  service: Service,
  objects: FileObjects | undefined,
  taken: ReadonlySet<string>,
): ServiceGrants => {
  const issues: Array<PathIssue> = []
  const files: Array<ReferencedFile> = []
  const fields: { secrets?: ReadonlyArray<FileGrant>; configs?: ReadonlyArray<FileGrant> } = {}
  const targets = new Set(taken)
  for (const kind of kinds) {
    const grants: Array<FileGrant> = []
    for (const g of grantEntries(service, kind)) {
      const at = ["services", name, ...g.at]
      const object = objects?.[kind].get(g.source)
      if (object === undefined) {
        issues.push(
          pathIssue(at, `service "${name}" refers to undefined ${one[kind]} "${g.source}"`, {
            hint: `define it under the top-level ${kind}:`,
          }),
        )
        continue
      }
      if (object.type === "invalid" || object.type === "empty") continue
      const target = targetOf(kind, g)
      if (targets.has(target)) {
        issues.push(pathIssue(at, `${target} is mounted twice (by a volume, tmpfs, secret or config)`))
        continue
      }
      targets.add(target)
      if (object.type === "file") {
        files.push({ path: object.relative, sha256: object.sha256 })
        grants.push({ source: g.source, target, from: { type: "file", path: object.realPath } })
        continue
      }
      if (service.read_only === true) {
        issues.push(
          pathIssue(
            at,
            object.sops === true
              ? `cannot copy ${one[kind]} "${g.source}" into read-only service "${name}": its file is SOPS-encrypted, and its cleartext can only be copied in, never mounted`
              : `cannot copy ${one[kind]} "${g.source}" into read-only service "${name}": only a file: ${one[kind]} works there (as in Compose)`,
            object.sops === true
              ? { hint: "drop read_only: true from the service, or pass the value another way" }
              : {},
          ),
        )
        continue
      }
      grants.push({
        source: g.source,
        target,
        from: {
          type: "content",
          sha256: object.sha256,
          content: Redacted.make(object.content),
          uid: parseId(g.uid),
          gid: parseId(g.gid),
          mode: g.mode === undefined ? 0o444 : (parseMode(g.mode) ?? 0o444),
        },
      })
    }
    grants.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0))
    if (grants.length > 0) fields[kind] = grants
  }
  return { fields, files, issues }
}

/**
 * What Compose accepts but cannot act on, said rather than silently dropped: uid, gid
 * and mode of a bind-mounted file, an empty value (no file is created for it), and the
 * Swarm-only `name` and `labels`.
 */
export const fileObjectWarnings = (manifest: Manifest, lookup: Lookup): ReadonlyArray<PathIssue> => {
  const warnings: Array<PathIssue> = []
  for (const kind of kinds) {
    const defined = definitions(manifest, kind)
    for (const [name, service] of Object.entries(manifest.services ?? {}))
      for (const g of grantEntries(service, kind)) {
        const def = Object.hasOwn(defined, g.source) ? defined[g.source] : undefined
        if (def?.file !== undefined && (g.uid ?? g.gid ?? g.mode) !== undefined)
          warnings.push(
            pathIssue(
              ["services", name, ...g.at],
              `uid, gid and mode do not apply to ${one[kind]} "${g.source}": its file is bind-mounted as it is (Compose ignores them too)`,
            ),
          )
      }
    for (const name of used(manifest, kind)) {
      const def = defined[name]!
      for (const key of ignoredKeys)
        if (def[key] !== undefined)
          warnings.push(
            pathIssue(
              [kind, name, key],
              `${one[kind]} "${name}": ${key} is for Swarm ${kind}; ignored on a single engine, as docker compose does`,
            ),
          )
      const empty =
        def.file === undefined &&
        ((def.environment !== undefined &&
          !isReservedVariable(def.environment) &&
          lookup(def.environment) === "") ||
          (def.environment === undefined && def.content === ""))
      if (empty)
        warnings.push(
          pathIssue(
            [kind, name],
            `${one[kind]} "${name}" is empty: no file is created for it (as in Compose)`,
          ),
        )
    }
  }
  return warnings
}
