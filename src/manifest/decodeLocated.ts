/**
 * Decodes an operator file (the policy, the daemon's config file) read by `parseYaml`
 * with its Schema, every problem positioned at its line:column. Unknown keys are errors:
 * a misspelt key must never silently mean its default.
 */
import { Cause, Exit, Schema, SchemaIssue } from "effect"
import type { ManifestIssue } from "./ManifestError.ts"
import type { Located } from "./yamlDocument.ts"

const unexpected = "\u0000unexpected"
const leafHook = (issue: SchemaIssue.Leaf): string =>
  issue._tag === "UnexpectedKey" ? unexpected : SchemaIssue.defaultLeafHook(issue)
const formatter = SchemaIssue.makeFormatterStandardSchemaV1({ leafHook })

export const decodeLocated = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  located: Located,
  options: {
    /** What the file calls itself in "unknown … key" messages, e.g. "policy". */
    readonly noun: string
    /** The keys allowed where an unknown one was found, for the hint. */
    readonly knownKeys: (path: ReadonlyArray<PropertyKey>) => string | undefined
  },
): S["Type"] | ReadonlyArray<ManifestIssue> => {
  const exit = Schema.decodeUnknownExit(schema)(located.value, { errors: "all", onExcessProperty: "error" })
  if (Exit.isSuccess(exit)) return exit.value
  const error = Cause.squash(exit.cause)
  if (!Schema.isSchemaError(error)) return [{ line: 1, column: 1, path: "", message: String(error) }]
  return formatter(error.issue)
    .issues.map((issue) => {
      const path = (issue.path ?? []).map((p) => (typeof p === "object" ? p.key : p)) as Array<PropertyKey>
      if (issue.message === unexpected) {
        const hint = options.knownKeys(path)
        return located.issueAt(path, `unknown ${options.noun} key "${String(path[path.length - 1])}"`, {
          onKey: true,
          ...(hint === undefined ? {} : { hint }),
        })
      }
      return located.issueAt(path, issue.message.replace(/^Expected /, "expected "))
    })
    .sort((a, b) => a.line - b.line || a.column - b.column)
}
