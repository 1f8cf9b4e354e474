import { posix } from "node:path"
import { Data } from "effect"

/** One problem in a manifest, at a 1-based position in the file. */
export interface ManifestIssue {
  /**
   * The file the position is in, relative to the manifest's directory, when it is not
   * the manifest itself (an `include`d file, the `file:` of an `extends`, ...).
   */
  readonly file?: string
  readonly line: number
  readonly column: number
  /** Dotted path such as `services.web.ports[1]`; "" for the document itself. */
  readonly path: string
  readonly message: string
  /** What to do about it, when there is something useful to say. */
  readonly hint?: string
}

/** The manifest was rejected; `issues` lists every problem found, in file order. */
export class ManifestError extends Data.TaggedError("ManifestError")<{
  readonly file: string
  readonly issues: ReadonlyArray<ManifestIssue>
}> {
  override get message(): string {
    return formatManifestError(this)
  }
}

/**
 * How users see a file the manifest refers to: beside the manifest as they named it
 * (`deploy/fleet.yaml` + `app/compose.yml` → `deploy/app/compose.yml`).
 */
export const displayFile = (manifest: string, file: string | undefined): string =>
  file === undefined ? manifest : posix.join(posix.dirname(manifest), file)

/** `fleet.yaml:12:5: services.web.ports[1]: message (hint)`, one line per issue. */
export const formatManifestIssue = (file: string, issue: ManifestIssue): string =>
  `${displayFile(file, issue.file)}:${issue.line}:${issue.column}: ${issue.path === "" ? "" : `${issue.path}: `}${issue.message}` +
  (issue.hint === undefined ? "" : ` (${issue.hint})`)

export const formatManifestError = (e: {
  readonly file: string
  readonly issues: ReadonlyArray<ManifestIssue>
}) => e.issues.map((issue) => formatManifestIssue(e.file, issue)).join("\n")

/** Renders a path the way users read it: `services.web.ports[1]`, quoting odd keys. */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path
    .map((segment, i) =>
      typeof segment === "number"
        ? `[${segment}]`
        : /^[A-Za-z0-9_-]+$/.test(String(segment))
          ? `${i === 0 ? "" : "."}${String(segment)}`
          : `[${JSON.stringify(String(segment))}]`,
    )
    .join("")
