/**
 * Where a service's `build:` reads from, as written: the context (relative to the
 * manifest) and the Dockerfile (relative to the context), both normalized, or the
 * reason the path cannot be inside the repository. The loader reads what these name;
 * normalizeBuild.ts reports the reasons.
 */
import { posix } from "node:path"
import type { Service } from "./Manifest.ts"

export interface BuildPath {
  /** Normalized, relative to the manifest's directory; unset when `refused`. */
  readonly relative?: string
  /** Where it is written, relative to the service. */
  readonly at: ReadonlyArray<PropertyKey>
  readonly refused?: string
}

const remote = /^([a-z][a-z0-9+.-]*:\/\/|git@|github\.com\/)/i

/** `base`: the manifest's directory relative to the repository root, when that root is known. */
const inside = (
  path: string,
  at: ReadonlyArray<PropertyKey>,
  what: string,
  base: string | undefined,
): BuildPath => {
  if (path.startsWith("/") || path.startsWith("~"))
    return { at, refused: `${what} ${path} is outside the repository` }
  const relative = posix.normalize(path).replace(/(.)\/$/, "$1")
  const fromRoot = posix.normalize(posix.join(base ?? "", relative))
  if (fromRoot === ".." || fromRoot.startsWith("../"))
    return { at, refused: `${what} ${path} escapes the repository` }
  return { relative, at }
}

export const buildPaths = (
  service: Service,
  base: string | undefined,
): { readonly context: BuildPath; readonly dockerfile?: BuildPath } | undefined => {
  const build = service.build
  if (build === undefined) return undefined
  const written = build.context
  const at = ["build", ...build.contextAt]
  if (remote.test(written))
    return {
      context: {
        at,
        refused: `build context ${written} is remote; fleetd builds only from the repository's own files`,
      },
    }
  const context = inside(written, at, "build context", base)
  if (build.dockerfile_inline !== undefined || context.relative === undefined) return { context }
  const dockerfile = build.dockerfile ?? "Dockerfile"
  const dockerfileAt = build.dockerfile === undefined ? at : ["build", "dockerfile"]
  if (dockerfile.startsWith("/") || dockerfile.startsWith("~"))
    return {
      context,
      dockerfile: { at: dockerfileAt, refused: `dockerfile ${dockerfile} is outside the repository` },
    }
  return {
    context,
    dockerfile: inside(posix.join(context.relative, dockerfile), dockerfileAt, "dockerfile", base),
  }
}
