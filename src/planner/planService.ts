import type { Action, ReplacedContainer, ReplaceReason } from "../domain/Action.ts"
import { type DesiredService, defaultUpdateSettings } from "../domain/DesiredState.ts"
import { copiedGrants } from "../domain/FileGrant.ts"
import { finishedJob, stoppedFromOutside } from "../domain/jobs.ts"
import { Labels, NextSuffix, prevHooksDone } from "../domain/labels.ts"
import type { ObservedContainer } from "../domain/ObservedState.ts"
import { specHash } from "../domain/specHash.ts"
import { diffSummaries, parseSpecSummary, specSummary } from "../domain/specSummary.ts"
import { parseTrial, type Trial } from "../domain/trial.ts"

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
 * named `<fleet>-<service>`. A crash in the middle of a rollout leaves the others, and
 * their names say how far it got (trial.ts): a `<name>--next` never passed its gate, so
 * it is gated again (Resume), or rolled back when its spec is no longer wanted; a
 * `<name>--prev[-k]` beside the name means the new container passed and post_deploy has
 * k steps done (Resume from there). Anything else is a leftover and removed, so every
 * crash point converges without duplicates and without adopting an ungated container.
 */
export const planService = (
  service: DesiredService,
  containers: ReadonlyArray<ObservedContainer>,
  imageId: string | undefined,
  held?: HeldSpec,
): ReadonlyArray<Action> => {
  const hash = specHash(service.configHash, imageId)
  const name = service.containerName
  const primary = containers.find((c) => c.name === name)
  const next = containers.find((c) => c.name === name + NextSuffix)
  const prev = containers.find((c) => prevHooksDone(name, c.name) !== undefined)
  const leftovers = (keep: ReadonlyArray<ObservedContainer | undefined>): Array<Action> =>
    containers.filter((c) => !keep.includes(c)).map((c) => remove(service, c, "leftover"))

  if (next !== undefined) {
    const old = primary ?? prev
    const trial = parseTrial(next.labels)
    const replaced = old === undefined ? undefined : replacedContainer(old, trial)
    const onTrial = { id: next.id, name: next.name, state: next.state, since: trial.since }
    const actions = leftovers([next, old])
    if (next.labels[Labels.specHash] === hash && held?.specHash !== hash) {
      actions.push({
        _tag: "Resume",
        service,
        specHash: hash,
        stage: "gate",
        trial: onTrial,
        ...(replaced === undefined ? {} : { old: replaced }),
        hooksDone: 0,
        strategy: strategyOf(service),
      })
      return actions
    }
    actions.push({
      _tag: "RollBack",
      service,
      containerName: name,
      trial: onTrial,
      ...(replaced === undefined ? {} : { old: replaced }),
    })
    if (old === undefined || replaced === undefined) {
      actions.push({ _tag: "Create", service, specHash: hash, imageId })
      return actions
    }
    // Planned against the old container as the rollback leaves it.
    const restored = { ...old, name, state: replaced.wasRunning ? "running" : old.state }
    return [...actions, ...planSettled(service, restored, imageId, hash, held)]
  }

  if (prev !== undefined) {
    if (primary === undefined) return [...leftovers([prev]), adopt(service, prev)]
    const actions = leftovers([primary, prev])
    if (primary.labels[Labels.specHash] === hash) {
      const trial = parseTrial(primary.labels)
      actions.push({
        _tag: "Resume",
        service,
        specHash: hash,
        stage: "hooks",
        trial: { id: primary.id, name: primary.name, state: primary.state, since: trial.since },
        old: replacedContainer(prev, trial),
        hooksDone: prevHooksDone(name, prev.name) ?? 0,
        strategy: strategyOf(service),
      })
      return actions
    }
    // Superseded while its post_deploy ran: that rollout ends here, the new spec gets its own.
    actions.push(remove(service, prev, "replaced"))
    return [...actions, ...planSettled(service, primary, imageId, hash, held)]
  }

  const actions = leftovers([primary])
  if (primary === undefined) actions.push({ _tag: "Create", service, specHash: hash, imageId })
  else actions.push(...planSettled(service, primary, imageId, hash, held))
  return actions
}

/** The one container of a service with no rollout in progress: replace, hold, start or leave it. */
const planSettled = (
  service: DesiredService,
  primary: ObservedContainer,
  imageId: string | undefined,
  hash: string,
  held: HeldSpec | undefined,
): ReadonlyArray<Action> => {
  const reason = replaceReason(service, primary, imageId)
  if (reason !== undefined && held?.specHash === hash) {
    // Retrying a spec that just failed its health gate would loop: replace, fail, roll back.
    return [
      {
        _tag: "Held",
        service: service.name,
        containerName: primary.name,
        revision: held.revision,
        reason: `rolled back at revision ${held.revision}; waiting for a new revision or image`,
      },
    ]
  }
  if (reason !== undefined) {
    return [
      {
        _tag: "Replace",
        service,
        specHash: hash,
        imageId,
        reason,
        changes: reason === "spec changed" ? changedFields(service, primary) : [],
        strategy: strategyOf(service),
        old: {
          id: primary.id,
          name: primary.name,
          running: isRunning(primary),
          ...(stoppedFromOutside(primary) ? { stoppedFromOutside: true } : {}),
          imageId: primary.imageId,
        },
      },
    ]
  }
  if (!isRunning(primary)) {
    const exitCode = finishedJob(service, primary)
    return [
      exitCode === undefined
        ? {
            _tag: "Start",
            service: service.name,
            containerId: primary.id,
            containerName: primary.name,
            ...(copiedGrants(service.spec).length > 0 ? { spec: service.spec } : {}),
          }
        : { _tag: "Completed", service: service.name, containerName: primary.name, exitCode },
    ]
  }
  return [{ _tag: "Unchanged", service: service.name, containerName: primary.name }]
}

const isRunning = (c: ObservedContainer): boolean => c.state === "running" || c.state === "restarting"

/**
 * The old container of an interrupted rollout. It is started again on a rollback when
 * the trial says it ran before (a stop-first replacement stopped it), and never stopped
 * by one; a trial recorded against another container tells nothing about this one.
 */
const replacedContainer = (old: ObservedContainer, trial: Trial): ReplacedContainer => {
  const running = isRunning(old)
  const about = trial.replaces === undefined || trial.replaces === old.id
  return { id: old.id, name: old.name, running, wasRunning: running || (about && trial.wasRunning) }
}

const strategyOf = (service: DesiredService): "start-first" | "stop-first" =>
  (service.update ?? defaultUpdateSettings).order ?? defaultOrder(service)

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
