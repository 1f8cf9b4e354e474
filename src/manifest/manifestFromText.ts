/**
 * The pure manifest pipeline, from text to DesiredState, split in two stages so the
 * loader can read exactly the files the manifest refers to in between:
 * `stageManifest` (parse, interpolate, decode, check) → the loader reads `refs` →
 * `finishManifest` (normalize with those files). Tests run both on in-memory input.
 */

import { posix } from "node:path"
import type { DesiredState } from "../domain/DesiredState.ts"
import { contentDigest } from "../domain/specHash.ts"
import { activeServices, enabledProfiles } from "./activeServices.ts"
import { buildDesiredState } from "./buildDesiredState.ts"
import { checkManifest } from "./checkManifest.ts"
import { parseEnvFile } from "./compose/envFile.ts"
import { composeProject, type Sources } from "./composeProject.ts"
import { type DecodedManifest, decodeValue, positionIssues } from "./decodeManifest.ts"
import { chooseFleetName } from "./fleetName.ts"
import type { Lookup } from "./interpolate.ts"
import { formatManifestIssue, type ManifestIssue } from "./ManifestError.ts"
import { type FileFact, type FileRef, manifestFiles } from "./manifestFiles.ts"
import { fileObjectWarnings } from "./normalizeSecrets.ts"
import type { PathIssue } from "./PathIssue.ts"
import { type InterpolationRedactor, redactInterpolated } from "./redactInterpolated.ts"
import type { Located } from "./yamlDocument.ts"

export interface ManifestText {
  /** Shown in messages, e.g. `fleet.yaml`. */
  readonly file: string
  readonly text: string
  /** Real absolute path of the manifest's directory; relative references start here. */
  readonly root: string
  /**
   * Real absolute path of the repository root (`root` or above it), when known: file
   * references may go anywhere inside it. Unset: they must stay inside `root`.
   */
  readonly repository?: string | undefined
  readonly fleet?: string | undefined
  readonly environment: Readonly<Record<string, string | undefined>>
  /** `--profile` flags; without them COMPOSE_PROFILES decides (activeServices.ts). */
  readonly profiles?: ReadonlyArray<string> | undefined
  /** Contents of `.env` beside the manifest, if any. */
  readonly dotEnv?: string | undefined
  /**
   * Files the manifest includes or extends, by path relative to its directory;
   * undefined for one not read yet (the stage then asks for it). None by default.
   */
  readonly sources?: Sources
  /** `--swarm`: read `deploy:` as Swarm does and report one-host fields (checkSwarmFields.ts). */
  readonly target?: "swarm" | undefined
  /** The host's key for secret content hashes (manifest/secretHashKey.ts); SHA-256 without one. */
  readonly secretKey?: Uint8Array | undefined
}

/** The stage needs these files (relative to the manifest's directory) read first. */
export interface NeedsFiles {
  readonly _tag: "need"
  readonly paths: ReadonlyArray<string>
}

export type ManifestResult =
  | {
      readonly _tag: "ok"
      readonly desired: DesiredState
      readonly warnings: ReadonlyArray<string>
      /** Positions a path of the manifest, for problems found later (operator policy). */
      readonly issueAt: Located["issueAt"]
    }
  | {
      readonly _tag: "error"
      readonly issues: ReadonlyArray<ManifestIssue>
      readonly warnings: ReadonlyArray<string>
    }

export interface StagedManifest {
  readonly _tag: "staged"
  /** The manifest's name in messages. */
  readonly file: string
  readonly decoded: DecodedManifest
  readonly fleet: string
  readonly lookup: Lookup
  readonly root: string
  readonly repository?: string | undefined
  /** Files to read before `finishManifest`. */
  readonly refs: ReadonlyArray<FileRef>
  /** The included and extended files (and their env files), relative to the manifest's directory. */
  readonly sources: ReadonlyArray<string>
  readonly issues: ReadonlyArray<PathIssue>
  readonly target?: "swarm" | undefined
  /** Hides the host's values in what is reported (redactInterpolated.ts). */
  readonly redactor: InterpolationRedactor
  readonly secretKey?: Uint8Array | undefined
}

/**
 * Process environment wins over `.env`, as in Compose; `.env` values are interpolated
 * from the environment and the keys above them.
 */
const makeLookup = (
  input: ManifestText,
): { lookup: Lookup; issues: Array<ManifestIssue>; warnings: Array<string> } => {
  const dotEnv = new Map<string, string>()
  const issues: Array<ManifestIssue> = []
  const warnings: Array<string> = []
  if (input.dotEnv !== undefined) {
    const parsed = parseEnvFile(input.dotEnv, (name) => input.environment[name])
    for (const e of parsed.entries) dotEnv.set(e.key, e.value)
    for (const e of parsed.errors)
      issues.push({ file: ".env", line: e.line, column: 1, path: "", message: e.message })
    for (const u of parsed.unset)
      warnings.push(`.env:${u.line}:1: variable ${u.name} is not set; substituting an empty string`)
  }
  return { lookup: (name) => input.environment[name] ?? dotEnv.get(name), issues, warnings }
}

/** The manifest's directory relative to the repository root, when that root is known. */
const baseOf = (input: { readonly root: string; readonly repository?: string | undefined }) =>
  input.repository === undefined ? undefined : posix.relative(input.repository, input.root)

/** The manifest's own issues first, then each other file's, each in file order. */
const byPosition = (issues: ReadonlyArray<ManifestIssue>): Array<ManifestIssue> =>
  [...issues].sort(
    (a, b) => (a.file ?? "").localeCompare(b.file ?? "") || a.line - b.line || a.column - b.column,
  )

/** An error or a success with the host's values hidden from its issues and warnings. */
const redactResult = (result: ManifestResult, redactor: InterpolationRedactor): ManifestResult =>
  result._tag === "error"
    ? {
        ...result,
        issues: result.issues.map(redactor.redactIssue),
        warnings: result.warnings.map(redactor.redact),
      }
    : { ...result, warnings: result.warnings.map(redactor.redact) }

export const stageManifest = (input: ManifestText): ManifestResult | StagedManifest | NeedsFiles => {
  const env = makeLookup(input)
  const redactor = redactInterpolated(env.lookup)
  const staged = stageWith(input, { ...env, lookup: redactor.lookup }, redactor)
  return staged._tag === "error" ? redactResult(staged, redactor) : staged
}

const stageWith = (
  input: ManifestText,
  { lookup, issues: envIssues, warnings: envWarnings }: ReturnType<typeof makeLookup>,
  redactor: InterpolationRedactor,
): ManifestResult | StagedManifest | NeedsFiles => {
  if (envIssues.length > 0) return { _tag: "error", issues: envIssues, warnings: envWarnings }
  const composed = composeProject({
    file: input.file,
    name: posix.basename(input.file),
    text: input.text,
    root: input.root,
    repository: input.repository,
    lookup,
    sources: input.sources ?? (() => ({ kind: "missing" })),
  })
  if (composed.needs.length > 0) return { _tag: "need", paths: composed.needs }
  const early = [...envWarnings, ...composed.warnings]
  if (composed.value === undefined || composed.located === undefined)
    return { _tag: "error", issues: byPosition(composed.issues), warnings: early }
  const decoded = decodeValue(composed.value, composed.located, composed.failed)
  if (decoded._tag === "error")
    return { _tag: "error", issues: byPosition([...composed.issues, ...decoded.issues]), warnings: early }
  if (composed.issues.length > 0)
    return { _tag: "error", issues: byPosition(composed.issues), warnings: early }
  const { located } = decoded.decoded
  // Services whose profiles are not enabled are left out before anything looks at them.
  const profiled = activeServices(decoded.decoded.manifest, enabledProfiles(input.profiles, lookup))
  const manifest = profiled.manifest
  const name = chooseFleetName(input.fleet, manifest.name, input.root.split("/").pop() ?? "")
  const issues: Array<PathIssue> = []
  if (name.error !== undefined)
    issues.push({ path: name.source === "manifest" ? ["name"] : [], message: name.error })
  issues.push(...profiled.issues, ...checkManifest(manifest, name.name))
  const files = manifestFiles(manifest, baseOf(input))
  issues.push(...files.issues)
  const warnings = early
  for (const w of fileObjectWarnings(manifest, lookup)) {
    const at = located.issueAt(w.path, w.message)
    warnings.push(formatManifestIssue(input.file, at))
  }
  if (Object.keys(manifest.services ?? {}).length === 0) {
    const at = located.issueAt(["services"], "")
    warnings.push(
      `${input.file}:${at.line}:${at.column}: the manifest has no services; applying it would remove every container of fleet "${name.name}"`,
    )
  }
  return {
    _tag: "staged",
    file: input.file,
    decoded: { ...decoded.decoded, manifest, warnings },
    fleet: name.name,
    lookup,
    root: input.root,
    repository: input.repository,
    refs: files.refs,
    sources: composed.files,
    issues,
    ...(input.target === undefined ? {} : { target: input.target }),
    redactor,
    ...(input.secretKey === undefined ? {} : { secretKey: input.secretKey }),
  }
}

export const finishManifest = (
  staged: StagedManifest,
  file: (relative: string) => FileFact,
): ManifestResult => {
  const { manifest, located } = staged.decoded
  const warnings = [...staged.decoded.warnings]
  const built = buildDesiredState(manifest, {
    fleet: staged.fleet,
    root: staged.repository ?? staged.root,
    base: baseOf(staged),
    target: staged.target,
    lookup: staged.lookup,
    file,
    contentDigest: contentDigest(staged.secretKey),
    warn: (path, message) => {
      const at = located.issueAt(path, message)
      warnings.push(formatManifestIssue(staged.file, at))
    },
  })
  const issues = [...staged.issues, ...built.issues]
  return redactResult(
    issues.length > 0
      ? { _tag: "error", issues: positionIssues(located, issues), warnings }
      : { _tag: "ok", desired: built.desired, warnings, issueAt: located.issueAt },
    staged.redactor,
  )
}

/** The whole pipeline on in-memory input; `files` maps normalized relative paths. */
export const manifestFromText = (
  input: ManifestText,
  files: ReadonlyMap<string, FileFact> = new Map(),
): ManifestResult => {
  const read = (relative: string): FileFact => files.get(relative) ?? { kind: "missing" }
  const staged = stageManifest({ ...input, sources: input.sources ?? read })
  if (staged._tag === "need")
    throw new Error(`unreachable: every file is known, yet ${staged.paths} are needed`)
  return staged._tag === "staged" ? finishManifest(staged, read) : staged
}
