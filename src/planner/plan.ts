import type { Action } from "../domain/Action.ts"
import type { DesiredState } from "../domain/DesiredState.ts"
import { Labels } from "../domain/labels.ts"
import type { ObservedContainer, ObservedState } from "../domain/ObservedState.ts"
import { compareNames, orderServices } from "./orderServices.ts"
import { planBuilds } from "./planBuilds.ts"
import { isSelfService, planHandover } from "./planHandover.ts"
import { type ImageFacts, planPulls, serviceImage } from "./planImages.ts"
import { planResources } from "./planResources.ts"
import { type HeldSpec, planService } from "./planService.ts"

export interface Plan {
  readonly fleet: string
  /**
   * In the order they may run: image pulls and builds, networks, volumes, then each service in
   * dependency order (its leftovers removed before it is created or replaced), then
   * orphans removed in reverse dependency order, then networks and volumes that left
   * the manifest — create first, destroy last.
   */
  readonly actions: ReadonlyArray<Action>
}

/**
 * What must happen for `observed` to match `desired`. Pure and deterministic: the same
 * input always gives the same plan, and only containers labelled with this fleet can
 * appear in it.
 */
export interface PlanOptions {
  /** Per service, a spec rolled back earlier: planned as Held instead of Replace (daemon only). */
  readonly held?: ReadonlyMap<string, HeldSpec>
  /** Tracked digests and due periodic pulls, learned by the reconciler (planImages.ts). */
  readonly images?: ImageFacts
  /** The id of the container this fleetd runs in, when it runs in one (ownContainerId.ts). */
  readonly selfContainerId?: string
}

export const plan = (desired: DesiredState, observed: ObservedState, options: PlanOptions = {}): Plan => {
  const images = imageIndex(observed)
  const fleetContainers = observed.containers.filter((c) => c.labels[Labels.fleet] === desired.fleet)
  // One-shot hook containers (runHooks.ts) are never a service's container, nor orphans.
  const owned = fleetContainers.filter((c) => c.labels[Labels.hook] === undefined)
  const byService = groupByService(owned)
  const facts = options.images ?? {}
  const actions: Array<Action> = [
    ...planPulls(desired, images, facts),
    ...planBuilds(desired, observed.images),
  ]

  const resources = planResources(desired, observed, owned)
  actions.push(...resources.setup)

  // A hook container outlives its step only when fleetd died during it: it goes before
  // anything else changes (a step abandoned half-way must not run beside the next try),
  // stopped at once, as its step would have been at its timeout.
  for (const c of fleetContainers)
    if (c.labels[Labels.hook] !== undefined)
      actions.push({
        _tag: "Remove",
        service: c.labels[Labels.service] ?? c.name,
        containerId: c.id,
        containerName: c.name,
        reason: "leftover",
        stopSeconds: 0,
      })

  const ordered = orderServices(desired.services)
  for (const service of ordered) {
    // Suspended by the operator: left exactly as it is, and not an orphan either.
    if (service.suspended !== undefined) {
      const container = byService.get(service.name)?.find((c) => c.name === service.containerName)
      actions.push({
        _tag: "Suspended",
        service: service.name,
        reason: service.suspended,
        ...(container === undefined ? {} : { containerName: container.name }),
      })
      continue
    }
    // Rejected by the operator policy: whatever runs for it stays exactly as it is
    // (still wanted, so not an orphan either).
    if (service.blocked !== undefined) {
      actions.push({ _tag: "Blocked", service: service.name, reason: service.blocked })
      continue
    }
    const current = byService.get(service.name)?.find((c) => c.name === service.containerName)
    const { service: planned, imageId } = serviceImage(service, images, facts, current)
    // A service with build: builds a missing image whatever its pull policy (Compose's rule).
    if (imageId === undefined && service.pullPolicy === "never" && service.build === undefined) {
      actions.push({
        _tag: "Blocked",
        service: service.name,
        reason: `image ${service.spec.image} is not on this host and pull_policy is "never": load it, or allow pulling`,
      })
      continue
    }
    const containers = byService.get(service.name) ?? []
    const planOne = (cs: ReadonlyArray<ObservedContainer>) =>
      planService(planned, cs, imageId, options.held?.get(service.name))
    actions.push(
      ...(isSelfService(service, current, options.selfContainerId)
        ? planHandover(planned, containers, planOne)
        : planOne(containers)),
    )
  }

  const wanted = new Set(desired.services.map((s) => s.name))
  const orphans = owned
    .filter((c) => !wanted.has(c.labels[Labels.service] ?? ""))
    .sort((a, b) => compareNames(b.name, a.name))
  for (const c of orphans) {
    actions.push({
      _tag: "Remove",
      service: c.labels[Labels.service] ?? c.name,
      containerId: c.id,
      containerName: c.name,
      reason: "orphan",
    })
  }
  actions.push(...resources.teardown)
  return { fleet: desired.fleet, actions }
}

const imageIndex = (observed: ObservedState): ReadonlyMap<string, string> => {
  const index = new Map<string, string>()
  for (const image of observed.images) for (const ref of image.refs) index.set(ref, image.id)
  return index
}

const groupByService = (
  containers: ReadonlyArray<ObservedContainer>,
): ReadonlyMap<string, Array<ObservedContainer>> => {
  const groups = new Map<string, Array<ObservedContainer>>()
  for (const c of [...containers].sort((a, b) => compareNames(a.name, b.name))) {
    const service = c.labels[Labels.service]
    if (service === undefined) continue
    const group = groups.get(service)
    if (group === undefined) groups.set(service, [c])
    else group.push(c)
  }
  return groups
}
