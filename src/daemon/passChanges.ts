import type { FleetStatus, PassChange } from "../domain/FleetStatus.ts"
import type { ChangeSet } from "../reconciler/ChangeSet.ts"

/**
 * A pass's change sets as `lastPass.changes`: one entry per service, with the revision
 * of the service's previous change (from the status before this pass) and the revision
 * applied when the service changed. `fleet` names the project's fleet when a pass
 * reconciles several (`--projects`).
 */
export const passChanges = (
  changeSets: ReadonlyArray<ChangeSet>,
  before: FleetStatus,
): ReadonlyArray<PassChange> => {
  const several = changeSets.length > 1 || before.projects !== undefined
  const previous = new Map<string, string>()
  for (const s of before.services)
    if (s.lastChange !== undefined) previous.set(`${before.fleet ?? ""}/${s.name}`, s.lastChange.revision)
  for (const p of before.projects ?? [])
    for (const s of p.services)
      if (s.lastChange !== undefined) previous.set(`${p.fleet}/${s.name}`, s.lastChange.revision)
  return changeSets.flatMap((set) =>
    set.services.map((s): PassChange => {
      const from = previous.get(`${several ? set.fleet : (before.fleet ?? "")}/${s.service}`)
      const changed = s.outcome !== "unchanged" && s.outcome !== "held" && s.outcome !== "suspended"
      return {
        service: s.service,
        ...(several ? { fleet: set.fleet } : {}),
        outcome: s.outcome,
        ...(s.reason === undefined ? {} : { reason: s.reason }),
        ...(s.changes === undefined || s.changes.length === 0 ? {} : { fields: s.changes }),
        ...(from === undefined ? {} : { fromRevision: from }),
        ...(changed ? { toRevision: set.revision } : {}),
        ...(s.image === undefined ? {} : { fromImage: s.image.from, toImage: s.image.to }),
      }
    }),
  )
}
