import { Data, Effect } from "effect"
import type { Action } from "../domain/Action.ts"
import type { DesiredState } from "../domain/DesiredState.ts"
import type { ObservedState } from "../domain/ObservedState.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import { type Plan, type PlanOptions, plan } from "../planner/plan.ts"
import type { HeldSpec } from "../planner/planService.ts"
import { applyResources } from "./applyResources.ts"
import { applyServices } from "./applyServices.ts"
import type { ChangeSet } from "./ChangeSet.ts"
import { retryEngine } from "./retryEngine.ts"

export interface ReconcileOptions {
  /** Recorded on every container this pass creates (`fleetd.revision`). */
  readonly revision: string
  /** Let an empty manifest remove every container of the fleet. */
  readonly allowEmpty: boolean
  /** How many services may change at once. */
  readonly concurrency: number
  /** Specs rolled back earlier, per service, not to be retried (the daemon's memory; see planService). */
  readonly held?: ReadonlyMap<string, HeldSpec>
}

/** An empty manifest would remove the whole fleet: only with an explicit opt-in. */
export class EmptyFleetRefused extends Data.TaggedError("EmptyFleetRefused")<{
  readonly fleet: string
  readonly running: number
}> {
  override get message() {
    return `the manifest defines no services, and applying it would remove the ${this.running} container(s) of fleet "${this.fleet}"; nothing was changed. If that is what you want, pass --allow-empty.`
  }
}

/** Everything the planner needs from the engine: two list calls, made concurrently. */
export const observe = (fleet: string) =>
  Effect.gen(function* () {
    const engine = yield* ContainerEngine
    const [containers, images] = yield* Effect.all(
      [retryEngine(engine.listContainers(fleet)), retryEngine(engine.listImages)],
      {
        concurrency: 2,
      },
    )
    return { containers, images } satisfies ObservedState
  })

/** Observes and plans, refusing a plan that would empty the fleet without opt-in. */
export const observeAndPlan = Effect.fnUntraced(function* (
  desired: DesiredState,
  allowEmpty: boolean,
  options: PlanOptions = {},
) {
  const observed = yield* observe(desired.fleet)
  const planned = plan(desired, observed, options)
  const removals = planned.actions.filter((a) => a._tag === "Remove" && a.reason === "orphan").length
  if (desired.services.length === 0 && removals > 0 && !allowEmpty) {
    return yield* new EmptyFleetRefused({ fleet: desired.fleet, running: removals })
  }
  return { observed, planned }
})

const isPull = (a: Action) => a._tag === "PullImage"
const isResource = (a: Action) => a._tag === "CreateNetwork" || a._tag === "CreateVolume"

/**
 * One pass: observe, plan, pull what is missing, plan again against the images now
 * present (a pull can change which image a tag means), ensure networks and volumes,
 * then change the services. The change set says per service what happened (with the
 * state observed before acting, for status); only a failure
 * to observe the engine (or the empty-fleet guard) fails the pass as a whole.
 */
export const reconcile = Effect.fn("reconcile")(function* (desired: DesiredState, options: ReconcileOptions) {
  const engine = yield* ContainerEngine
  const planOptions: PlanOptions = options.held === undefined ? {} : { held: options.held }
  const first = yield* observeAndPlan(desired, options.allowEmpty, planOptions)
  let planned: Plan = first.planned
  const pulls = yield* applyResources(desired, planned.actions.filter(isPull))
  if (pulls.results.some((r) => r.outcome === "pulled")) {
    const images = yield* retryEngine(engine.listImages)
    planned = plan(desired, { containers: first.observed.containers, images }, planOptions)
  }
  const rest = planned.actions.filter((a) => !isPull(a))
  const resources = yield* applyResources(desired, rest.filter(isResource))
  const services = yield* applyServices(
    desired,
    rest.filter((a) => !isResource(a)),
    {
      fleet: desired.fleet,
      revision: options.revision,
      concurrency: options.concurrency,
      failed: new Map([...resources.failed, ...pulls.failed]),
    },
  )
  const changes: ChangeSet = {
    fleet: desired.fleet,
    revision: options.revision,
    services,
    resources: [...pulls.results, ...resources.results],
  }
  // The spec each rolled-back service failed with, for the daemon to hold until something changes.
  const rolledBack = new Map<string, string>()
  for (const result of services) {
    const replace = planned.actions.find((a) => a._tag === "Replace" && a.service.name === result.service)
    if (result.outcome === "rolled-back" && replace?._tag === "Replace")
      rolledBack.set(result.service, replace.specHash)
  }
  return { changes, observed: first.observed, rolledBack: rolledBack as ReadonlyMap<string, string> }
})
