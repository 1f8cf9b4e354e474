/**
 * The `include` list in its short form (paths) and long form (`path` as a string or a
 * list, `project_directory`, `env_file` as a string or a list), read from the raw
 * value: includes are resolved before the Schema sees the composed manifest, so each
 * malformed entry is reported here, in its own file.
 */
import { posix } from "node:path"
import { parseEnvFile } from "./compose/envFile.ts"
import type { Composer } from "./composeProject.ts"
import { isMapping } from "./composeSupport.ts"
import type { Lookup } from "./interpolate.ts"
import { displayFile } from "./ManifestError.ts"
import type { Origin } from "./sourceMap.ts"
import type { Path } from "./yamlDocument.ts"

export interface Written {
  readonly path: string
  readonly at: Path
}

export interface IncludeEntry {
  readonly at: Path
  /** The first file defines the project; the others are merged over it. */
  readonly paths: ReadonlyArray<Written>
  readonly projectDirectory?: Written
  readonly envFiles?: ReadonlyArray<Written>
}

interface Reporter {
  issue(origin: Origin, path: Path, message: string, options?: { hint?: string; onKey?: boolean }): void
}

const hint = "write include entries as a path, or as {path, project_directory, env_file}"

const strings = (
  value: unknown,
  at: Path,
  what: string,
  r: Reporter,
  origin: Origin,
): Array<Written> | undefined => {
  if (typeof value === "string") return [{ path: value, at }]
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string"))
    return value.map((path, i) => ({ path, at: [...at, i] }))
  r.issue(origin, at, `${what} must be a path or a non-empty list of paths`, { hint })
  return undefined
}

export const includeEntries = (
  r: Reporter,
  include: unknown,
  origin: Origin,
): ReadonlyArray<IncludeEntry> => {
  if (include === undefined || include === null) return []
  if (!Array.isArray(include)) {
    r.issue(origin, ["include"], "include must be a list", { hint })
    return []
  }
  return include.flatMap((item, i): Array<IncludeEntry> => {
    const at = ["include", i]
    if (typeof item === "string") return [{ at, paths: [{ path: item, at }] }]
    if (!isMapping(item)) {
      r.issue(origin, at, "an include entry must be a path or a mapping", { hint })
      return []
    }
    let ok = true
    for (const key of Object.keys(item))
      if (!["path", "project_directory", "env_file"].includes(key) && !key.startsWith("x-")) {
        r.issue(origin, [...at, key], `unknown include field "${key}"`, { hint, onKey: true })
        ok = false
      }
    if (item.path === undefined) {
      r.issue(origin, at, 'missing required field "path"', { hint })
      return []
    }
    const paths = strings(item.path, [...at, "path"], "include path", r, origin)
    const envFiles =
      item.env_file === undefined
        ? undefined
        : strings(item.env_file, [...at, "env_file"], "env_file", r, origin)
    const dir = item.project_directory
    if (dir !== undefined && typeof dir !== "string") {
      r.issue(origin, [...at, "project_directory"], "project_directory must be a path", { hint })
      ok = false
    }
    if (!ok || paths === undefined || (item.env_file !== undefined && envFiles === undefined)) return []
    return [
      {
        at,
        paths,
        ...(typeof dir === "string"
          ? { projectDirectory: { path: dir, at: [...at, "project_directory"] } }
          : {}),
        ...(envFiles === undefined ? {} : { envFiles }),
      },
    ]
  })
}

/** The parent's variables win; the included project's `.env` (or env_file list) fills in. */
export const includeLookup = (
  c: Composer,
  lookup: Lookup,
  dir: string,
  parentDir: string,
  entry: IncludeEntry,
  origin: Origin,
): Lookup => {
  const env = new Map<string, string>()
  const files =
    entry.envFiles === undefined
      ? [{ path: posix.join(dir, ".env"), at: entry.at, optional: true }]
      : entry.envFiles.flatMap((f) => {
          const path = c.inside(parentDir, f.path, origin, f.at, "env_file")
          return path === undefined ? [] : [{ path, at: f.at, optional: false }]
        })
  for (const f of files) {
    const text = c.read(f.path, origin, f.at, "env_file", f.optional)
    if (text === undefined) continue
    const parsed = parseEnvFile(text, (name) => lookup(name) ?? env.get(name))
    for (const e of parsed.errors) c.issue(origin, f.at, `${f.path}:${e.line}: ${e.message}`)
    for (const u of parsed.unset)
      c.warnings.push(
        `${displayFile(c.input.file, f.path)}:${u.line}:1: variable ${u.name} is not set; substituting an empty string`,
      )
    for (const e of parsed.entries) env.set(e.key, e.value)
  }
  return (name) => lookup(name) ?? env.get(name)
}
