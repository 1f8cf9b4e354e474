import type { ManifestIssue } from "../manifest/ManifestError.ts"
import type { Located } from "../manifest/yamlDocument.ts"
import type { PolicyViolation } from "./checkPolicy.ts"

/** A policy violation positioned in fleet.yaml, for `validate` and the logs. */
export interface PolicyIssue extends ManifestIssue {
  readonly service: string
  /** The `allow:` key that would permit it, if any. */
  readonly policyKey?: string
}

export const policyIssues = (
  violations: ReadonlyArray<PolicyViolation>,
  issueAt: Located["issueAt"],
): ReadonlyArray<PolicyIssue> =>
  violations
    .map((v) => ({
      ...issueAt(v.path, v.message),
      service: v.service,
      ...(v.key === undefined ? {} : { policyKey: v.key }),
    }))
    .sort((a, b) => a.line - b.line || a.column - b.column)
