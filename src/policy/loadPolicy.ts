/**
 * Reads the operator policy file. A policy that cannot be read or does not decode is
 * a usage error with every problem positioned (file:line:column), never a silent
 * "allow nothing" or "allow everything": the operator must fix it before fleetd runs.
 */
import { readFile } from "node:fs/promises"
import { Data, Effect } from "effect"
import { decodeLocated } from "../manifest/decodeLocated.ts"
import { formatManifestError, type ManifestIssue } from "../manifest/ManifestError.ts"
import { parseYaml } from "../manifest/yamlDocument.ts"
import { emptyPolicy, Policy, PolicyAllow } from "./Policy.ts"

/** The policy file is missing or invalid; `issues` are positioned like manifest issues. */
export class PolicyError extends Data.TaggedError("PolicyError")<{
  readonly file: string
  readonly issues: ReadonlyArray<ManifestIssue>
}> {
  override get message(): string {
    return `${formatManifestError(this)}\nthe policy file ${this.file} is invalid; fleetd does not start without a valid policy`
  }
}

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
  return decodeLocated(Policy, parsed.located, {
    noun: "policy",
    knownKeys: (path) =>
      path.length === 1
        ? "the policy has one top-level key, allow:"
        : `allow: takes ${Object.keys(PolicyAllow.fields).join(", ")}`,
  })
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
