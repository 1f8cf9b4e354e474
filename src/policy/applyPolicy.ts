/**
 * The policy applied to a DesiredState before planning. A violating service is not
 * dropped (the planner would then remove its running container as an orphan): it is
 * marked `blocked`, and the planner leaves whatever runs for it exactly as it is. A
 * named volume whose driver options mount a host path the policy denies is never
 * created. The rest of the fleet proceeds.
 */
import type { DesiredState } from "../domain/DesiredState.ts"
import { checkHostPath, checkPolicy, type PolicyViolation, volumeHostPath } from "./checkPolicy.ts"
import type { Policy } from "./Policy.ts"

export interface PolicyOutcome {
  readonly desired: DesiredState
  readonly violations: ReadonlyArray<PolicyViolation>
}

/**
 * The outcome for a desired state already checked against the same policy object. The
 * daemon keeps a revision's loaded manifest (so the same DesiredState) from pass to pass
 * and checked every service of it again on every pass: ≈ 10 ms a pass at 1,000 services
 * (bench/scale.ts). Both are immutable, so the answer cannot have changed; a new revision
 * or policy is a new object, and a forgotten state takes its entry with it.
 */
const checked = new WeakMap<DesiredState, { readonly policy: Policy; readonly outcome: PolicyOutcome }>()

export const applyPolicy = (desired: DesiredState, policy: Policy): PolicyOutcome => {
  const known = checked.get(desired)
  if (known?.policy === policy) return known.outcome
  const outcome = policed(desired, policy)
  checked.set(desired, { policy, outcome })
  return outcome
}

const policed = (desired: DesiredState, policy: Policy): PolicyOutcome => {
  const violations = checkPolicy(desired, policy)
  if (violations.length === 0 && desired.volumes.every((v) => volumeHostPath(v) === undefined))
    return { desired, violations }
  const reasons = new Map<string, Array<string>>()
  for (const v of violations) reasons.set(v.service, [...(reasons.get(v.service) ?? []), v.message])
  const allow = policy.allow ?? {}
  return {
    desired: {
      ...desired,
      services: desired.services.map((s) => {
        const reason = reasons.get(s.name)
        return reason === undefined ? s : { ...s, blocked: reason.join("; ") }
      }),
      volumes: desired.volumes.filter((v) => {
        const device = volumeHostPath(v)
        return v.external || device === undefined || checkHostPath("", [], [device], allow).length === 0
      }),
    },
    violations,
  }
}
