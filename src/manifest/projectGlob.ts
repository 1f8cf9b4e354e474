/**
 * The `--projects` globs: which directories of the repository are projects. Pure, so
 * the rules are tested without a disk. Paths are relative, `/`-separated, without a
 * leading `./` or a trailing `/`.
 */

/** Special characters of a regular expression, escaped where a glob means them literally. */
const escapeChar = (c: string) => c.replace(/[.+^$()|\\{}[\]*?]/g, "\\$&")

/**
 * A glob as a regular expression over whole relative paths: `*` and `?` stay within one
 * path segment, `**` spans any number of segments (zero included), `{a,b}` is either,
 * `[abc]` a class. A segment starting with `.` is matched only by a pattern segment
 * that starts with `.` (as shells do), so `*` never reaches `.git` or `.fleetd`.
 */
export const globToRegExp = (glob: string): RegExp => {
  const segments = normalizeGlob(glob).split("/")
  const parts = segments.map((segment, i) => {
    const last = i === segments.length - 1
    if (segment === "**") return last ? "(?:[^/.][^/]*(?:/[^/.][^/]*)*)?" : "(?:[^/.][^/]*/)*"
    let out = segment.startsWith(".") ? "" : "(?!\\.)"
    for (let j = 0; j < segment.length; j++) {
      const c = segment[j] as string
      if (c === "*") out += "[^/]*"
      else if (c === "?") out += "[^/]"
      else if (c === "[") {
        const end = segment.indexOf("]", j + 2)
        if (end === -1) out += "\\["
        else {
          const body = segment.slice(j + 1, end)
          out += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`
          j = end
        }
      } else if (c === "{") {
        const end = segment.indexOf("}", j)
        if (end === -1) out += "\\{"
        else {
          out += `(?:${segment
            .slice(j + 1, end)
            .split(",")
            .map((alt) => [...alt].map(escapeChar).join(""))
            .join("|")})`
          j = end
        }
      } else out += escapeChar(c)
    }
    return last ? out : `${out}/`
  })
  return new RegExp(`^${parts.join("")}$`)
}

/** `./services/*\/` → `services/*`; `.` stays `.` (the root itself). */
export const normalizeGlob = (glob: string): string => {
  const trimmed = glob
    .trim()
    .replace(/^(\.\/)+/, "")
    .replace(/\/+$/, "")
    .replace(/\/{2,}/g, "/")
  return trimmed === "" ? "." : trimmed
}

export interface ProjectPatterns {
  readonly include: ReadonlyArray<string>
  /** Written `!GLOB`: a directory any of these match is never a project. */
  readonly exclude: ReadonlyArray<string>
}

/** `--projects` values (repeatable, each may hold several comma-separated globs). */
export const parseProjectPatterns = (values: ReadonlyArray<string>): ProjectPatterns => {
  const globs = values
    .flatMap((v) => v.split(","))
    .map((g) => g.trim())
    .filter((g) => g !== "")
  return {
    include: globs.filter((g) => !g.startsWith("!")).map(normalizeGlob),
    exclude: globs.filter((g) => g.startsWith("!")).map((g) => normalizeGlob(g.slice(1))),
  }
}

/** Why the patterns cannot be used, or undefined: a pattern may not leave the repository. */
export const patternProblem = (patterns: ProjectPatterns): string | undefined => {
  if (patterns.include.length === 0)
    return "--projects needs at least one glob that is not an exclusion (!GLOB)"
  const bad = [...patterns.include, ...patterns.exclude].find(
    (g) => g.startsWith("/") || g.split("/").includes(".."),
  )
  return bad === undefined
    ? undefined
    : `--projects "${bad}" must be relative to the repository and stay inside it (no leading / and no ..)`
}

/** The directories (relative paths, "." for the root) the patterns select, in sorted order. */
export const selectDirectories = (
  patterns: ProjectPatterns,
  directories: ReadonlyArray<string>,
): ReadonlyArray<string> => {
  const include = patterns.include.map(globToRegExp)
  const exclude = patterns.exclude.map(globToRegExp)
  return [...new Set(directories)]
    .filter((d) => include.some((r) => r.test(d)) && !exclude.some((r) => r.test(d)))
    .sort()
}

/** How deep a walk must go to see every directory the patterns can match (`**`: unbounded). */
export const walkDepth = (patterns: ProjectPatterns): number =>
  Math.max(
    0,
    ...patterns.include.map((g) =>
      g === "." ? 0 : g.split("/").includes("**") ? Infinity : g.split("/").length,
    ),
  )
