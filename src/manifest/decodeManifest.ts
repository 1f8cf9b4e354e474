/**
 * Text → validated Manifest: YAML parse, interpolation of every scalar value, then
 * the Schema decode with every issue collected. Pure; positions come from the YAML
 * document, so each issue points where the user must edit.
 */
import { Cause, Exit, Schema, SchemaIssue } from "effect"
import { castScalar } from "./compose/typeCasts.ts"
import { interpolate, type Lookup } from "./interpolate.ts"
import { Manifest } from "./Manifest.ts"
import type { ManifestIssue } from "./ManifestError.ts"
import { formatPath } from "./ManifestError.ts"
import type { PathIssue } from "./PathIssue.ts"
import { type Located, type Path, parseYaml } from "./yamlDocument.ts"

export interface DecodedManifest {
  readonly manifest: Manifest
  readonly located: Located
  readonly warnings: ReadonlyArray<string>
}

export type Decoded =
  | { readonly _tag: "ok"; readonly decoded: DecodedManifest }
  | {
      readonly _tag: "error"
      readonly issues: ReadonlyArray<ManifestIssue>
      readonly warnings: ReadonlyArray<string>
    }

/**
 * Interpolates string values (never keys) into a fresh tree (anchors may share
 * objects), reading each at its field's type as Compose does (typeCasts.ts).
 */
const interpolateTree = (
  value: unknown,
  path: Path,
  lookup: Lookup,
  issues: Array<PathIssue>,
  unset: Array<[Path, string]>,
): unknown => {
  if (typeof value === "string") {
    const result = interpolate(value, lookup)
    if (result._tag === "error") {
      issues.push({ path, message: result.message })
      return value
    }
    for (const name of result.unset) unset.push([path, name])
    return castScalar(path, result.value)
  }
  if (Array.isArray(value))
    return value.map((item, i) => interpolateTree(item, [...path, i], lookup, issues, unset))
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value))
      out[key] = interpolateTree(item, [...path, key], lookup, issues, unset)
    return out
  }
  return value
}

const describe = (input: unknown): string =>
  input === null
    ? "null"
    : Array.isArray(input)
      ? "a list"
      : typeof input === "object"
        ? "a mapping"
        : typeof input

const leafHook = (issue: SchemaIssue.Leaf): string => {
  switch (issue._tag) {
    case "UnexpectedKey":
      return "\u0000unexpected"
    case "MissingKey":
      return "\u0000missing"
    default:
      return SchemaIssue.defaultLeafHook(issue)
  }
}

const valueAt = (value: unknown, path: Path): unknown =>
  path.reduce<unknown>(
    (v, segment) =>
      v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[segment] : undefined,
    value,
  )

/** Hints for type errors on the named schemas whose type alone says little. */
const typeHints: Partial<Record<string, string>> = {
  Duration: "write a duration such as 10s, 1m30s or 500ms",
  ImageReference: "write an image reference such as busybox:1.36",
  FleetdExtension: "x-fleetd takes a mapping",
  UpdateSettings: "x-fleetd.update takes a mapping: order, health_timeout, min_ready, rollback",
  Port: 'write "HOST:CONTAINER", a port number, or a mapping with target and published',
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1({ leafHook })

const unexpectedKey = (path: Path): PathIssue => {
  const key = String(path[path.length - 1])
  const parent = path.slice(0, -1)
  if (parent.includes("x-fleetd"))
    return {
      path,
      onKey: true,
      message: `${formatPath(parent)}.${key} is not supported yet`.replace(/^.*x-fleetd/, "x-fleetd"),
    }
  const where =
    parent.length === 0
      ? "top-level field"
      : parent[0] === "services" && parent.length === 2
        ? "service field"
        : "field"
  return {
    path,
    onKey: true,
    message: `unknown or unsupported ${where} "${key}"`,
    hint: "fleetd accepts a subset of Compose (see schemas/fleet.schema.json); put extensions under x-*",
  }
}

const schemaIssues = (error: unknown, value: unknown): Array<PathIssue> => {
  if (!Schema.isSchemaError(error)) return [{ path: [], message: String(error) }]
  return formatter(error.issue).issues.map((issue) => {
    const path = (issue.path ?? []).map((p) => (typeof p === "object" ? p.key : p)) as Array<PropertyKey>
    if (path[path.length - 1] === "x-fleetd") return { path, message: "x-fleetd must be a mapping" }
    if (issue.message === "\u0000unexpected") return unexpectedKey(path)
    // A missing key has no node: point at the mapping's own key (e.g. `web:`).
    if (issue.message === "\u0000missing")
      return {
        path: path.slice(0, -1),
        onKey: true,
        message: `missing required field "${String(path[path.length - 1])}"`,
      }
    // Type errors, from leaves and from unions alike, say what was found.
    const typeError = issue.message.startsWith("Expected ")
      ? issue.message.slice("Expected ".length)
      : undefined
    if (typeError !== undefined) {
      const expected = typeError
        .replace(/ReadonlyArray<string>|array/g, "list")
        .replace(/\bobject\b/g, "mapping")
      const hint = typeHints[expected]
      return {
        path,
        message: `expected ${expected}, got ${describe(valueAt(value, path))}`,
        ...(hint === undefined ? {} : { hint }),
      }
    }
    return { path, message: issue.message }
  })
}

/** One file parsed and interpolated: its value, and problems found on the way. */
export interface InterpolatedFile {
  readonly located: Located
  readonly value: unknown
  readonly issues: ReadonlyArray<PathIssue>
  readonly unset: ReadonlyArray<readonly [Path, string]>
}

/** YAML text → the interpolated value (each file of a project is read this way). */
export const interpolateFile = (
  text: string,
  lookup: Lookup,
): InterpolatedFile | { readonly issues: ReadonlyArray<ManifestIssue> } => {
  const parsed = parseYaml(text)
  if ("issues" in parsed) return { issues: parsed.issues }
  const { located } = parsed
  const issues: Array<PathIssue> = []
  const unset: Array<[Path, string]> = []
  const value = interpolateTree(located.value, [], lookup, issues, unset)
  return { located, value, issues, unset }
}

/**
 * The Schema decode of a (composed) value, every issue positioned through `located`.
 * `failed` holds the paths (formatPath) whose interpolation failed: such a value was
 * left as written and is not reported a second time.
 */
export const decodeValue = (value: unknown, located: Located, failed: ReadonlySet<string>): Decoded => {
  const exit = Schema.decodeUnknownExit(Manifest)(value, { errors: "all", onExcessProperty: "error" })
  if (Exit.isFailure(exit)) {
    const pathIssues = schemaIssues(Cause.squash(exit.cause), value).filter(
      (i) => !failed.has(formatPath(i.path)),
    )
    return { _tag: "error", issues: positionIssues(located, pathIssues), warnings: [] }
  }
  if (failed.size > 0) return { _tag: "error", issues: [], warnings: [] }
  return { _tag: "ok", decoded: { manifest: exit.value, located, warnings: [] } }
}

/** Positions path issues and orders them as they appear in the file. */
export const positionIssues = (located: Located, issues: ReadonlyArray<PathIssue>): Array<ManifestIssue> =>
  issues
    .map((i) =>
      located.issueAt(i.path, i.message, {
        ...(i.onKey === undefined ? {} : { onKey: i.onKey }),
        ...(i.hint === undefined ? {} : { hint: i.hint }),
      }),
    )
    .sort((a, b) => (a.file ?? "").localeCompare(b.file ?? "") || a.line - b.line || a.column - b.column)
