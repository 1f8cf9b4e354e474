/**
 * The pure manifest pipeline, from text to DesiredState, split in two stages so the
 * loader can read exactly the files the manifest refers to in between:
 * `stageManifest` (parse, interpolate, decode, check) → the loader reads `refs` →
 * `finishManifest` (normalize with those files). Tests run both on in-memory input.
 */

import { posix } from "node:path"
import type { DesiredState } from "../domain/DesiredState.ts"
import { buildDesiredState } from "./buildDesiredState.ts"
import { checkManifest } from "./checkManifest.ts"
import { parseEnvFile } from "./compose/envFile.ts"
import { type DecodedManifest, decodeManifest, positionIssues } from "./decodeManifest.ts"
import { chooseFleetName } from "./fleetName.ts"
import type { Lookup } from "./interpolate.ts"
import { formatManifestIssue, type ManifestIssue } from "./ManifestError.ts"
import { type FileFact, type FileRef, manifestFiles } from "./manifestFiles.ts"
import { fileObjectWarnings } from "./normalizeSecrets.ts"
import type { PathIssue } from "./PathIssue.ts"
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
  /** Contents of `.env` beside the manifest, if any. */
  readonly dotEnv?: string | undefined
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
  /** The manifest's name in messages. */
  readonly file: string
  readonly decoded: DecodedManifest
  readonly fleet: string
  readonly lookup: Lookup
  readonly root: string
  readonly repository?: string | undefined
  /** Files to read before `finishManifest`. */
  readonly refs: ReadonlyArray<FileRef>
  readonly issues: ReadonlyArray<PathIssue>
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
    for (const e of parsed.errors) issues.push({ line: e.line, column: 1, path: ".env", message: e.message })
    for (const u of parsed.unset)
      warnings.push(`.env:${u.line}:1: variable ${u.name} is not set; substituting an empty string`)
  }
  return { lookup: (name) => input.environment[name] ?? dotEnv.get(name), issues, warnings }
}

/** The manifest's directory relative to the repository root, when that root is known. */
const baseOf = (input: { readonly root: string; readonly repository?: string | undefined }) =>
  input.repository === undefined ? undefined : posix.relative(input.repository, input.root)

export const stageManifest = (input: ManifestText): ManifestResult | StagedManifest => {
  const { lookup, issues: envIssues, warnings: envWarnings } = makeLookup(input)
  if (envIssues.length > 0) return { _tag: "error", issues: envIssues, warnings: envWarnings }
  const decoded = decodeManifest(input.file, input.text, lookup)
  if (decoded._tag === "error") return decoded
  const { manifest, located } = decoded.decoded
  const name = chooseFleetName(input.fleet, manifest.name, input.root.split("/").pop() ?? "")
  const issues: Array<PathIssue> = []
  if (name.error !== undefined)
    issues.push({ path: name.source === "manifest" ? ["name"] : [], message: name.error })
  issues.push(...checkManifest(manifest, name.name))
  const files = manifestFiles(manifest, baseOf(input))
  issues.push(...files.issues)
  const warnings = [...envWarnings, ...decoded.decoded.warnings]
  for (const w of fileObjectWarnings(manifest, lookup)) {
    const at = located.issueAt(w.path, "")
    warnings.push(`${input.file}:${at.line}:${at.column}: ${at.path}: ${w.message}`)
  }
  if (Object.keys(manifest.services ?? {}).length === 0) {
    const at = located.issueAt(["services"], "")
    warnings.push(
      `${input.file}:${at.line}:${at.column}: the manifest has no services; applying it would remove every container of fleet "${name.name}"`,
    )
  }
  return {
    file: input.file,
    decoded: { ...decoded.decoded, warnings },
    fleet: name.name,
    lookup,
    root: input.root,
    repository: input.repository,
    refs: files.refs,
    issues,
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
    lookup: staged.lookup,
    file,
    warn: (path, message) => {
      const at = located.issueAt(path, message)
      warnings.push(formatManifestIssue(staged.file, at))
    },
  })
  const issues = [...staged.issues, ...built.issues]
  if (issues.length > 0) return { _tag: "error", issues: positionIssues(located, issues), warnings }
  return { _tag: "ok", desired: built.desired, warnings, issueAt: located.issueAt }
}

/** The whole pipeline on in-memory input; `files` maps normalized relative paths. */
export const manifestFromText = (
  input: ManifestText,
  files: ReadonlyMap<string, FileFact> = new Map(),
): ManifestResult => {
  const staged = stageManifest(input)
  if ("_tag" in staged) return staged
  return finishManifest(staged, (relative) => files.get(relative) ?? { kind: "missing" })
}
