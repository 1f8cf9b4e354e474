/**
 * Where each part of a manifest composed from several files (`include`, `extends`)
 * was written, so an issue found on the merged value points into the file, line and
 * column the user must edit. Resources map by `section.name`, fields of an extended
 * service by `services.name.field`.
 */
import type { ManifestIssue } from "./ManifestError.ts"
import type { Located, Path } from "./yamlDocument.ts"

export interface Origin {
  /** Relative to the manifest's directory; undefined for the manifest itself. */
  readonly file: string | undefined
  readonly located: Located
  /** The path, inside that file, of what the merged path's prefix names. */
  readonly at: Path
}

export type Origins = Map<string, Origin>

export const originKey = (path: Path): string => path.map(String).join("\u0000")

/** An issue at `path` inside the origin's file. */
export const issueIn = (
  origin: Origin,
  path: Path,
  message: string,
  options?: { onKey?: boolean; hint?: string },
): ManifestIssue => {
  const issue = origin.located.issueAt([...origin.at, ...path], message, options)
  return origin.file === undefined ? issue : { ...issue, file: origin.file }
}

/** Copies every origin under `from` (a resource) to the same place under `to`. */
export const copyOrigins = (source: Origins, target: Origins, prefix: Path): void => {
  const key = originKey(prefix)
  for (const [k, origin] of source) if (k === key || k.startsWith(`${key}\u0000`)) target.set(k, origin)
}

/** A Located over the merged value whose issues point into the files things came from. */
export const composedLocated = (value: unknown, root: Origin, origins: Origins): Located => ({
  value,
  issueAt: (path, message, options) => {
    for (const depth of [3, 2]) {
      if (path.length < depth) continue
      const origin = origins.get(originKey(path.slice(0, depth)))
      if (origin !== undefined) return issueIn(origin, path.slice(depth), message, options)
    }
    return issueIn(root, path, message, options)
  },
})
