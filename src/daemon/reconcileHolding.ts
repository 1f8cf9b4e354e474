import { Effect } from "effect"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import type { DesiredState } from "../domain/DesiredState.ts"
import type { HeldSpec } from "../planner/planService.ts"
import { type ReconcileOptions, reconcile } from "../reconciler/reconcile.ts"

/**
 * A daemon's reconcile of one fleet, with its memory: a spec rolled back at this
 * revision is held, not retried (only a new revision, or a new image, which changes
 * the spec hash, tries it again). Gives the held specs for the next pass beside the
 * result.
 */
export const reconcileHolding = Effect.fnUntraced(function* (
  desired: DesiredState,
  revision: string,
  previouslyHeld: ReadonlyMap<string, HeldSpec>,
  memory: Pick<ReconcileOptions, "resources" | "failedBuilds" | "listed">,
) {
  const config = yield* DaemonConfig
  const held = new Map([...previouslyHeld].filter(([, h]) => h.revision === revision))
  const applied = yield* reconcile(desired, {
    revision,
    allowEmpty: config.allowEmpty,
    concurrency: config.concurrency,
    held,
    ...(config.selfContainerId === undefined ? {} : { selfContainerId: config.selfContainerId }),
    ...memory,
  })
  const stillHeld = new Map(
    [...held].filter(([service]) =>
      applied.changes.services.some((s) => s.service === service && s.outcome === "held"),
    ),
  )
  for (const [service, specHash] of applied.rolledBack) stillHeld.set(service, { specHash, revision })
  return { ...applied, held: stillHeld as ReadonlyMap<string, HeldSpec> }
})
