import { Effect, Option } from "effect"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import type { DesiredState } from "../domain/DesiredState.ts"
import { EngineError } from "../engine/EngineError.ts"
import { notManagerOperation } from "../engine/swarm/requireSwarmManager.ts"
import { SwarmEngine } from "../engine/swarm/SwarmEngine.ts"
import type { HeldSpec } from "../planner/planService.ts"
import { type ReconcileOptions, reconcile } from "../reconciler/reconcile.ts"
import { reconcileSwarm } from "../reconciler/reconcileSwarm.ts"

/**
 * A daemon's reconcile of one fleet, with its memory: a spec rolled back at this
 * revision is held, not retried (only a new revision, or a new image, which changes
 * the spec hash, tries it again). Gives the held specs for the next pass beside the
 * result. On the swarm target a spec Swarm rolled back is held until fleet.yaml changes
 * it, whatever the revision: Swarm keeps the old spec running, and a new commit that
 * leaves the service alone must not replay the failing rollout (planSwarm.ts).
 */
export const reconcileHolding = Effect.fnUntraced(function* (
  desired: DesiredState,
  revision: string,
  previouslyHeld: ReadonlyMap<string, HeldSpec>,
  memory: Pick<ReconcileOptions, "resources" | "failedBuilds" | "listed">,
) {
  const config = yield* DaemonConfig
  if (desired.target === "swarm") {
    // Only swarm fleets need the Swarm client: a daemon (or a test) without one refuses them.
    const swarm = yield* Effect.serviceOption(SwarmEngine)
    if (Option.isNone(swarm))
      return yield* new EngineError({
        reason: "BadRequest",
        operation: notManagerOperation,
        message: "this fleetd has no Swarm client; the swarm target cannot be applied",
      })
    const applied = yield* reconcileSwarm(desired, {
      revision,
      allowEmpty: config.allowEmpty,
      concurrency: config.concurrency,
      held: new Map([...previouslyHeld].map(([service, h]) => [service, h.specHash])),
    }).pipe(Effect.provideService(SwarmEngine, swarm.value))
    return { ...applied, held: stillHeld(previouslyHeld, applied, revision) }
  }
  const held = new Map([...previouslyHeld].filter(([, h]) => h.revision === revision))
  const applied = yield* reconcile(desired, {
    revision,
    allowEmpty: config.allowEmpty,
    concurrency: config.concurrency,
    held,
    ...(config.selfContainerId === undefined ? {} : { selfContainerId: config.selfContainerId }),
    ...memory,
  })
  return { ...applied, held: stillHeld(held, applied, revision) }
})

/** What stays held after a pass: what it still held, and what it saw rolled back. */
const stillHeld = (
  held: ReadonlyMap<string, HeldSpec>,
  applied: {
    readonly changes: { readonly services: ReadonlyArray<{ service: string; outcome: string }> }
    readonly rolledBack: ReadonlyMap<string, string>
  },
  revision: string,
): ReadonlyMap<string, HeldSpec> => {
  const kept = new Map(
    [...held].filter(([service]) =>
      applied.changes.services.some((s) => s.service === service && s.outcome === "held"),
    ),
  )
  for (const [service, specHash] of applied.rolledBack) kept.set(service, { specHash, revision })
  return kept
}
