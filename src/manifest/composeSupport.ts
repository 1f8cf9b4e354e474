/** Small helpers shared by the files that compose a project (include, extends). */
import { posix } from "node:path"

export type Mapping = Record<string, unknown>

export const isMapping = (value: unknown): value is Mapping =>
  value !== null && typeof value === "object" && !Array.isArray(value)

export const decodeBytes = (content: Uint8Array): string => new TextDecoder().decode(content)

/**
 * Why `path`, written in a file of project directory `dir` (both relative to the
 * manifest's directory), is not a file of the repository; undefined when it is.
 */
export const outsideRepository = (dir: string, path: string): string | undefined => {
  if (path.startsWith("~")) return "uses ~, which fleetd does not expand"
  if (path.startsWith("/")) return "is outside the repository"
  const joined = posix.normalize(posix.join(dir, path))
  return joined === ".." || joined.startsWith("../") ? "escapes the repository" : undefined
}
