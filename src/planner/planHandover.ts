import type { Action } from "../domain/Action.ts"
import type { DesiredService } from "../domain/DesiredState.ts"
import { HandoverLabels, RolledBackSuffix, StandbySuffix } from "../domain/handover.ts"
import { Labels, NextSuffix, PrevSuffix } from "../domain/labels.ts"
import type { ObservedContainer } from "../domain/ObservedState.ts"

/** The standby and the prepared container of a handover: never a service's container. */
export const isHandoverHelper = (c: ObservedContainer): boolean => c.labels[HandoverLabels.role] !== undefined

/** Whether the service runs this very fleetd: marked so, or its container is the one we run in. */
export const isSelfService = (
  service: DesiredService,
  current: ObservedContainer | undefined,
  selfContainerId: string | undefined,
): boolean =>
  service.self === true || (selfContainerId !== undefined && current?.id.startsWith(selfContainerId) === true)

/**
 * The plan of the service that runs fleetd (handover.ts). The names of the handover's
 * containers say how far it got:
 *
 * - a standby runs beside `<name>--prev`: committed, the standby is in charge; nothing
 *   is touched (HandoverPending), whoever plans (the new fleetd's first pass included);
 * - a standby named `<name>--rolledback`: the new fleetd failed and the old one is back:
 *   reported as rolled back with the standby's log, and removed (HandoverFailed);
 * - any other standby or prepared container: a handover that never committed (or
 *   finished): removed, and the service planned as usual.
 *
 * The rest goes to `plain` (planService) without the helpers, and a Replace it plans
 * becomes a Handover: the running process must not replace itself.
 */
export const planHandover = (
  service: DesiredService,
  containers: ReadonlyArray<ObservedContainer>,
  plain: (containers: ReadonlyArray<ObservedContainer>) => ReadonlyArray<Action>,
): ReadonlyArray<Action> => {
  const name = service.containerName
  const standby = containers.find((c) => c.labels[HandoverLabels.role] === "standby")
  // The prepared container is `<name>--next` with the service's own labels (it becomes the
  // service's container): a helper only while a standby exists to take it over.
  const helpers = containers.filter(
    (c) => isHandoverHelper(c) || (standby !== undefined && c.name === name + NextSuffix),
  )
  const rest = containers.filter((c) => !helpers.includes(c))
  const prev = rest.find((c) => c.name === name + PrevSuffix)
  if (standby !== undefined && isAlive(standby) && prev !== undefined)
    return [{ _tag: "HandoverPending", service: service.name, containerName: standby.name }]

  const actions: Array<Action> = []
  for (const c of helpers) {
    if (c === standby && c.name === name + RolledBackSuffix) continue
    actions.push({
      _tag: "Remove",
      service: service.name,
      containerId: c.id,
      containerName: c.name,
      reason: "leftover",
    })
  }
  const failed =
    standby !== undefined && standby.name === name + RolledBackSuffix
      ? (standby.labels[Labels.specHash] ?? "")
      : undefined
  if (standby !== undefined && failed !== undefined)
    actions.push({
      _tag: "HandoverFailed",
      service: service.name,
      containerId: standby.id,
      containerName: standby.name,
      specHash: failed,
    })
  for (const action of plain(rest)) {
    // The spec that just failed is reported by HandoverFailed and held from the next pass on.
    if (action._tag === "Replace" && action.specHash === failed) continue
    actions.push(
      action._tag === "Replace"
        ? {
            _tag: "Handover",
            service: action.service,
            specHash: action.specHash,
            imageId: action.imageId,
            reason: action.reason,
            changes: action.changes,
            old: action.old,
          }
        : action,
    )
  }
  return actions
}

const isAlive = (c: ObservedContainer) => c.state === "running" || c.state === "restarting"

/** The standby's name while it waits or supervises. */
export const standbyName = (name: string): string => name + StandbySuffix
