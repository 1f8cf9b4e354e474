/**
 * Reads the operator policy file. A policy that cannot be read or does not decode is
 * a usage error with every problem positioned (file:line:column), never a silent
 * "allow nothing" or "allow everything": the operator must fix it before fleetd runs.
 */
import { readFile } from "node:fs/promises"
import { Cause, Data, Effect, Exit, Schema, SchemaIssue } from "effect"
import { formatManifestIssue, type ManifestIssue } from "../manifest/ManifestError.ts"
import { parseYaml } from "../manifest/yamlDocument.ts"
import { emptyPolicy, Policy, PolicyAllow } from "./Policy.ts"

/** The policy file is missing or invalid; `issues` are positioned like manifest issues. */
export class PolicyError extends Data.TaggedError("PolicyError")<{
  readonly file: string
  readonly issues: ReadonlyArray<ManifestIssue>
}> {
  override get message(): string {
    return [
      ...this.issues.map((i) => formatManifestIssue(this.file, i)),
      `the policy file ${this.file} is invalid; fleetd does not start without a valid policy`,
    ].join("\n")
  }
}

const leafHook = (issue: SchemaIssue.Leaf): string =>
  issue._tag === "UnexpectedKey" ? "\u0000unexpected" : SchemaIssue.defaultLeafHook(issue)
const formatter = SchemaIssue.makeFormatterStandardSchemaV1({ leafHook })

/** Pure: the policy file's text → Policy, or every issue with its position. */
export const policyFromText = (text: string): Policy | ReadonlyArray<ManifestIssue> => {
  // A file of comments only is an empty policy: everything denied.
  if (text.split("\n").every((line) => /^\s*(#.*)?$/.test(line))) return emptyPolicy
  const parsed = parseYaml(text)
  if ("issues" in parsed)
    return parsed.issues.map((i) =>
      i.message.startsWith("the top level must be a mapping")
        ? { ...i, message: "the policy must be a mapping with one key, allow:" }
        : i,
    )
  const exit = Schema.decodeUnknownExit(Policy)(parsed.located.value, {
    errors: "all",
    onExcessProperty: "error",
  })
  if (Exit.isSuccess(exit)) return exit.value
  const error = Cause.squash(exit.cause)
  if (!Schema.isSchemaError(error)) return [{ line: 1, column: 1, path: "", message: String(error) }]
  return formatter(error.issue)
    .issues.map((issue) => {
      const path = (issue.path ?? []).map((p) => (typeof p === "object" ? p.key : p)) as Array<PropertyKey>
      if (issue.message === "\u0000unexpected")
        return parsed.located.issueAt(path, `unknown policy key "${String(path[path.length - 1])}"`, {
          onKey: true,
          hint:
            path.length === 1
              ? "the policy has one top-level key, allow:"
              : `allow: takes ${Object.keys(PolicyAllow.fields).join(", ")}`,
        })
      return parsed.located.issueAt(path, issue.message.replace(/^Expected /, "expected "))
    })
    .sort((a, b) => a.line - b.line || a.column - b.column)
}

/** No file: the default-deny policy. */
export const loadPolicy = (file: string | undefined): Effect.Effect<Policy, PolicyError> =>
  file === undefined
    ? Effect.succeed(emptyPolicy)
    : Effect.tryPromise({
        try: () => readFile(file, "utf8"),
        catch: (e) =>
          new PolicyError({
            file,
            issues: [
              {
                line: 1,
                column: 1,
                path: "",
                message: `cannot read the policy file: ${(e as Error).message}`,
              },
            ],
          }),
      }).pipe(
        Effect.flatMap((text) => {
          const result = policyFromText(text)
          return Array.isArray(result)
            ? Effect.fail(new PolicyError({ file, issues: result as ReadonlyArray<ManifestIssue> }))
            : Effect.succeed(result as Policy)
        }),
      )
