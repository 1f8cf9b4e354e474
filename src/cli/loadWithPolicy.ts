import { Effect } from "effect"
import type { LoadedManifest } from "../manifest/loadManifest.ts"
import { formatManifestIssue } from "../manifest/ManifestError.ts"
import { applyPolicy } from "../policy/applyPolicy.ts"
import { loadPolicy } from "../policy/loadPolicy.ts"
import { type PolicyIssue, policyIssues } from "../policy/policyIssues.ts"
import { loadOrReport } from "./loadOrReport.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"

export type Loaded =
  | { readonly _tag: "Exit"; readonly code: number }
  | {
      readonly _tag: "Loaded"
      readonly loaded: LoadedManifest
      readonly violations: ReadonlyArray<PolicyIssue>
    }

/**
 * The operator policy (`--policy`, default deny), then the manifest with the policy
 * applied: violating services come back marked blocked, never dropped. An invalid
 * policy is a usage error (2), reported before the manifest is even read.
 */
export const loadWithPolicy = Effect.fnUntraced(function* (args: CliArgs) {
  const output = yield* Output
  const policy = yield* Effect.result(loadPolicy(args.policy))
  if (policy._tag === "Failure") {
    const error = policy.failure
    if (args.json)
      yield* output.out(
        JSON.stringify({ error: { kind: "PolicyError", file: error.file, issues: error.issues } }, null, 2),
      )
    else yield* output.err(`fleetd ${args.command}: ${error.message}`)
    return { _tag: "Exit", code: 2 } satisfies Loaded as Loaded
  }
  const loaded = yield* loadOrReport(args)
  if (loaded === undefined) return { _tag: "Exit", code: 1 } satisfies Loaded as Loaded
  const outcome = applyPolicy(loaded.desired, policy.success)
  const violations = policyIssues(outcome.violations, loaded.issueAt)
  return {
    _tag: "Loaded",
    loaded: { ...loaded, desired: outcome.desired },
    violations,
  } satisfies Loaded as Loaded
})

/** The violations as positioned lines, for stderr. */
export const formatViolations = (file: string, violations: ReadonlyArray<PolicyIssue>): string =>
  violations.map((v) => formatManifestIssue(file, v)).join("\n")
