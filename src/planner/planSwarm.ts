/**
 * The swarm target's plan: desired services against the Swarm services observed with
 * this fleet's label, in the same vocabulary of reasons as the container planner.
 * Pure, like plan.ts: the coming SwarmEngine lists the services and carries it out.
 *
 * - A service without `fleetd.fleet=<fleet>` is never in a plan, whatever its name:
 *   unmanaged services are not fleetd's to update or remove.
 * - A desired service is created when no owned service has its name, updated (with the
 *   observed version, as the Engine API requires) when the spec hash differs, and kept
 *   otherwise.
 * - When Swarm rolled an update back and the spec it rolled back from is the one still
 *   desired, the service is kept: updating again would replay the failing rollout every
 *   pass. Swarm forgets that spec after a rollback (no PreviousSpec), so the caller
 *   remembers it (`held`), as the daemon remembers rolled-back container specs. A change
 *   to the file gives a new hash and a new attempt.
 * - Blocked (operator policy) and suspended services are kept exactly as they are.
 * - An owned service whose name no desired service has is removed (an orphan).
 */
import type { DesiredState } from "../domain/DesiredState.ts"
import { Labels } from "../domain/labels.ts"
import type { ObservedSwarmService } from "../domain/ObservedSwarm.ts"
import { type ServiceSpec, swarmServiceName, toServiceSpec } from "../engine/swarm/toServiceSpec.ts"

export type { ObservedSwarmService }

export type SwarmAction =
  | { readonly _tag: "CreateService"; readonly service: string; readonly spec: ServiceSpec }
  | {
      readonly _tag: "UpdateService"
      readonly service: string
      readonly id: string
      readonly version: number
      readonly spec: ServiceSpec
      readonly reason: string
    }
  | { readonly _tag: "RemoveService"; readonly name: string; readonly id: string; readonly reason: "orphan" }
  | {
      readonly _tag: "KeepService"
      readonly service: string
      readonly reason: string
      /** What the change set says of it. */
      readonly outcome: "unchanged" | "blocked" | "suspended" | "held"
    }

export const planSwarm = (
  desired: DesiredState,
  observed: ReadonlyArray<ObservedSwarmService>,
  /** Service → the spec hash Swarm rolled back, as remembered by whoever ran that update. */
  held: ReadonlyMap<string, string> = new Map(),
  /** `secret:<key>`/`config:<key>` → the content-hashed Swarm name (swarmObjects.ts). */
  objectNames: ReadonlyMap<string, string> = new Map(),
): ReadonlyArray<SwarmAction> => {
  const owned = observed.filter((s) => s.labels[Labels.fleet] === desired.fleet)
  const byName = new Map(owned.map((s) => [s.name, s]))
  const actions: Array<SwarmAction> = []
  const wanted = new Set<string>()
  for (const service of desired.services) {
    const name = swarmServiceName(desired.fleet, service.name)
    wanted.add(name)
    const current = byName.get(name)
    if (service.blocked !== undefined) {
      actions.push({
        _tag: "KeepService",
        service: service.name,
        reason: service.blocked,
        outcome: "blocked",
      })
      continue
    }
    if (service.suspended !== undefined) {
      actions.push({
        _tag: "KeepService",
        service: service.name,
        reason: service.suspended,
        outcome: "suspended",
      })
      continue
    }
    const { spec, hash } = toServiceSpec(desired.fleet, service, objectNames)
    if (current === undefined) actions.push({ _tag: "CreateService", service: service.name, spec })
    else if (current.labels[Labels.specHash] === hash)
      actions.push({ _tag: "KeepService", service: service.name, reason: "up to date", outcome: "unchanged" })
    else if (current.updateState === "rollback_completed" && held.get(service.name) === hash)
      actions.push({
        _tag: "KeepService",
        service: service.name,
        reason: "Swarm rolled this spec back; not retried until fleet.yaml changes it",
        outcome: "held",
      })
    else
      actions.push({
        _tag: "UpdateService",
        service: service.name,
        id: current.id,
        version: current.version,
        spec,
        reason: "spec changed",
      })
  }
  for (const s of owned)
    if (!wanted.has(s.name)) actions.push({ _tag: "RemoveService", name: s.name, id: s.id, reason: "orphan" })
  return actions
}
