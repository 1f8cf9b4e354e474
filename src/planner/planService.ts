import type { Action, ReplaceReason } from "../domain/Action.ts"
import { type DesiredService, defaultUpdateSettings } from "../domain/DesiredState.ts"
import { copiedGrants } from "../domain/FileGrant.ts"
import { finishedJob } from "../domain/jobs.ts"
import { Labels, NextSuffix } from "../domain/labels.ts"
import type { ObservedContainer } from "../domain/ObservedState.ts"
import { specHash } from "../domain/specHash.ts"
import { diffSummaries, parseSpecSummary, specSummary } from "../domain/specSummary.ts"

/** A spec that failed its health gate and was rolled back: the daemon's memory, fed to the planner. */
export interface HeldSpec {
  readonly specHash: string
  readonly revision: string
}

/** States in which a container cannot simply be started again. */
const brokenStates = new Set(["dead", "removing", "paused"])

/**
 * The actions that bring one service from what runs to what is desired.
 *
 * `containers` are all observed containers labelled with this service: normally one,
 * named `<fleet>-<service>`. After an interrupted replacement there may also be a
 * `<name>--next`: it is adopted when it is exactly what is desired and the primary is
 * gone, and removed otherwise, so every crash point converges without duplicates.
 */
export const planService = (
  service: DesiredService,
  containers: ReadonlyArray<ObservedContainer>,
  imageId: string | undefined,
  held?: HeldSpec,
): ReadonlyArray<Action> => {
  const hash = specHash(service.configHash, imageId)
  const primary = containers.find((c) => c.name === service.containerName)
  const others = containers.filter((c) => c !== primary)
  const actions: Array<Action> = []

  if (primary === undefined) {
    const adoptable = others.find((c) => isAdoptable(service, c, hash))
    for (const c of others) {
      if (c !== adoptable) actions.push(remove(service, c, "leftover"))
    }
    if (adoptable !== undefined) {
      actions.push(adopt(service, adoptable))
    } else {
      actions.push({ _tag: "Create", service, specHash: hash, imageId })
    }
    return actions
  }

  const reason = replaceReason(service, primary, imageId)
  const finished = reason === undefined ? undefined : others.find((c) => isAdoptable(service, c, hash))
  for (const c of others) {
    if (c !== finished) actions.push(remove(service, c, "leftover"))
  }
  if (finished !== undefined) {
    // A replacement got as far as starting the new container: finish it.
    actions.push(remove(service, primary, "replaced"), adopt(service, finished))
  } else if (reason !== undefined && held?.specHash === hash) {
    // Retrying a spec that just failed its health gate would loop: replace, fail, roll back.
    actions.push({
      _tag: "Held",
      service: service.name,
      containerName: primary.name,
      revision: held.revision,
      reason: `rolled back at revision ${held.revision}; waiting for a new revision or image`,
    })
  } else if (reason !== undefined) {
    actions.push({
      _tag: "Replace",
      service,
      specHash: hash,
      imageId,
      reason,
      changes: reason === "spec changed" ? changedFields(service, primary) : [],
      strategy: (service.update ?? defaultUpdateSettings).order ?? defaultOrder(service),
      old: { id: primary.id, name: primary.name, running: primary.state === "running" },
    })
  } else if (primary.state !== "running" && primary.state !== "restarting") {
    const exitCode = finishedJob(service, primary)
    actions.push(
      exitCode === undefined
        ? {
            _tag: "Start",
            service: service.name,
            containerId: primary.id,
            containerName: primary.name,
            ...(copiedGrants(service.spec).length > 0 ? { spec: service.spec } : {}),
          }
        : { _tag: "Completed", service: service.name, containerName: primary.name, exitCode },
    )
  } else {
    actions.push({ _tag: "Unchanged", service: service.name, containerName: primary.name })
  }
  return actions
}

const replaceReason = (
  service: DesiredService,
  container: ObservedContainer,
  imageId: string | undefined,
): ReplaceReason | undefined => {
  const labels = container.labels
  if (labels[Labels.configHash] !== service.configHash) return "spec changed"
  // The image id is unknown only while a pull is pending; the pass plans again after it.
  if (imageId !== undefined && container.imageId !== imageId) return "image changed"
  // Labels that no longer agree with the container they sit on, or a container the
  // engine cannot resume, mean it was tampered with or damaged: rebuild it.
  const recorded = labels[Labels.specHash]
  if (recorded !== specHash(labels[Labels.configHash] ?? "", labels[Labels.imageId] || undefined))
    return "drift"
  if (brokenStates.has(container.state)) return "drift"
  return undefined
}

const changedFields = (service: DesiredService, container: ObservedContainer): ReadonlyArray<string> => {
  const before = parseSpecSummary(container.labels[Labels.spec])
  if (before === undefined) return ["(unknown: the container predates field tracking)"]
  const fields = diffSummaries(before, specSummary(service.spec))
  // Same fields but another hash: a referenced file (env_file, mounted config) changed.
  return fields.length > 0 ? fields : ["referenced files"]
}

/**
 * Without `x-fleetd.update.order`: stop-first when the new container could not run beside
 * the old one: it would bind the same fixed host ports, or host ports fleetd cannot see
 * (`network_mode: host`), or the user fixed its name (`container_name`: whatever finds
 * it by name must never see two).
 */
const defaultOrder = (service: DesiredService): "start-first" | "stop-first" =>
  service.fixedHostPorts || service.spec.networkMode === "host" || service.fixedName === true
    ? "stop-first"
    : "start-first"

/** A `--next` container that is exactly what is desired and already running (or a job that completed). */
const isAdoptable = (service: DesiredService, c: ObservedContainer, hash: string): boolean =>
  c.name === service.containerName + NextSuffix &&
  c.labels[Labels.specHash] === hash &&
  (c.state === "running" || finishedJob(service, c) === 0)

const adopt = (service: DesiredService, c: ObservedContainer): Action => ({
  _tag: "Adopt",
  service: service.name,
  containerId: c.id,
  from: c.name,
  to: service.containerName,
})

const remove = (
  service: DesiredService,
  container: ObservedContainer,
  reason: "orphan" | "leftover" | "replaced",
): Action => ({
  _tag: "Remove",
  service: service.name,
  containerId: container.id,
  containerName: container.name,
  reason,
})
