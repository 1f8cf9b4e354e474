/**
 * What is wrong with what the loader found at a file reference, as the issue the user
 * sees at the reference's position: missing (naming every place looked in), or a
 * symlink that leads out of the place it was found in, or a SOPS file that could not
 * be decrypted. Pure: facts come from the
 * loader (hostFiles.ts) or, in tests, from memory.
 */
import { type FileFact, isInside } from "./manifestFiles.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"

export interface Reference {
  /** As written, normalized (`../../secrets/app.env`). */
  readonly relative: string
  /** `env_file`, `bind mount source`, ... */
  readonly what: string
  /** A missing optional reference (`env_file` with `required: false`) is no problem. */
  readonly required: boolean
  readonly at: ReadonlyArray<PropertyKey>
}

const outsideHints = {
  repository: "a symlink may not point outside the repository",
  local: "a symlink in --local-files may not point outside it",
  data: "a symlink in a service's data may not lead fleetd elsewhere: remove it",
} as const

export const referenceIssue = (
  fact: FileFact,
  ref: Reference,
  /** `root`: the repository root; `base` is set when that root is known (not just the manifest's directory). */
  ctx: { readonly root: string; readonly base?: string | undefined },
): PathIssue | undefined => {
  const { relative, what, at } = ref
  if (fact.kind === "missing") {
    if (!ref.required) return undefined
    const [repository, local] = fact.looked ?? []
    return repository !== undefined && local !== undefined
      ? pathIssue(
          at,
          `${what} ${relative} is neither in the repository (${repository}) nor in --local-files (${local})`,
          {
            hint: "add it to one of them (files git must not hold belong in --local-files)",
          },
        )
      : pathIssue(at, `${what} ${relative} does not exist in the repository`)
  }
  if (fact.kind === "blocked")
    return pathIssue(
      at,
      `${what} ${relative} cannot be created as a directory at ${fact.realPath}: ${fact.by} is a file`,
      {
        hint: "move the file away, or write the source as a path that exists",
      },
    )
  if (fact.kind === "file" && fact.sopsError !== undefined) {
    const e = fact.sopsError
    return pathIssue(at, `${what} ${relative}:${e.line}:${e.column}: ${e.message}`, {
      ...(e.hint === undefined ? {} : { hint: e.hint }),
    })
  }
  const outside =
    fact.kind === "outside"
      ? fact
      : fact.from === undefined && !isInside(ctx.root, fact.realPath)
        ? { realPath: fact.realPath, place: "repository" as const, root: ctx.root }
        : undefined
  if (outside === undefined) return undefined
  const where =
    outside.place === "repository"
      ? "the repository"
      : outside.place === "local"
        ? `--local-files (${outside.root})`
        : `the fleet's data directory (${outside.root})`
  return pathIssue(at, `${what} ${relative} resolves to ${outside.realPath}, outside ${where}`, {
    hint:
      outside.place === "repository" && ctx.base === undefined
        ? "a symlink may not point outside the directory of fleet.yaml"
        : outsideHints[outside.place],
  })
}
