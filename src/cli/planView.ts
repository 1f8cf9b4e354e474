import type { Action } from "../domain/Action.ts"
import type { DesiredService, HookPhase } from "../domain/DesiredState.ts"
import type { Plan } from "../planner/plan.ts"

/**
 * The public, JSON-safe shape of one planned change (docs/json-output.md). It names
 * what changes and why, never a value from the spec: environment values may be secrets.
 */
export interface PlannedChange {
  readonly action:
    | "pull"
    | "build"
    | "create-network"
    | "create-volume"
    | "check-network"
    | "check-volume"
    | "recreate-network"
    | "remove-network"
    | "remove-volume"
    | "keep-volume"
    | "network-blocked"
    | "volume-blocked"
    | "suspended"
    | "create"
    | "replace"
    | "handover"
    | "start"
    | "adopt"
    | "resume"
    | "roll-back"
    | "remove"
    | "unchanged"
    | "completed"
    | "blocked"
    | "held"
  readonly service?: string
  readonly container?: string
  readonly image?: string
  readonly name?: string
  readonly services?: ReadonlyArray<string>
  readonly reason?: string
  readonly changes?: ReadonlyArray<string>
  readonly strategy?: "start-first" | "stop-first"
  /** For completed: the exit code of the job's container (0: it succeeded). */
  readonly exitCode?: number
  /** For recreate-network: the containers disconnected and connected again. */
  readonly containers?: ReadonlyArray<string>
  /** For create and replace: the hook steps per phase (x-fleetd.hooks) that go with the change. */
  readonly hooks?: Readonly<Partial<Record<HookPhase, number>>>
}

/** Step counts per phase, or nothing when the service has no hooks. */
const hookCounts = (service: DesiredService): { hooks?: Partial<Record<HookPhase, number>> } => {
  const counts = Object.fromEntries(
    Object.entries(service.hooks ?? {}).flatMap(([phase, steps]) =>
      steps.length > 0 ? [[phase, steps.length]] : [],
    ),
  )
  return Object.keys(counts).length === 0 ? {} : { hooks: counts }
}

export const plannedChange = (action: Action): PlannedChange => {
  switch (action._tag) {
    case "PullImage":
      return { action: "pull", image: action.image, services: action.services, reason: action.reason }
    case "BuildImage":
      return { action: "build", image: action.image, services: action.services, reason: action.reason }
    case "CreateNetwork":
      return { action: "create-network", name: action.network.name }
    case "CreateVolume":
      return { action: "create-volume", name: action.volume.name }
    case "CheckExternal":
      return {
        action: action.kind === "network" ? "check-network" : "check-volume",
        name: action.name,
        services: action.services,
        reason: "external: must exist",
      }
    case "RecreateNetwork":
      return {
        action: "recreate-network",
        name: action.network.name,
        reason: "spec changed",
        containers: action.attached.map((a) => a.containerName),
      }
    case "RemoveNetwork":
      return { action: "remove-network", name: action.name, reason: "no longer in the manifest" }
    case "RemoveVolume":
      return {
        action: "remove-volume",
        name: action.name,
        reason: "no longer in the manifest (prune_volumes)",
      }
    case "KeepVolume":
      return {
        action: "keep-volume",
        name: action.name,
        reason: "no longer in the manifest; kept (set x-fleetd.prune_volumes: true to remove it)",
      }
    case "ResourceBlocked":
      return {
        action: action.kind === "network" ? "network-blocked" : "volume-blocked",
        name: action.name,
        reason: action.reason,
      }
    case "Suspended":
      return {
        action: "suspended",
        service: action.service,
        ...(action.containerName === undefined ? {} : { container: action.containerName }),
        reason: action.reason,
      }
    case "Create":
      return {
        action: "create",
        service: action.service.name,
        container: action.service.containerName,
        image: action.service.spec.image,
        ...hookCounts(action.service),
      }
    case "Replace":
      return {
        action: "replace",
        service: action.service.name,
        container: action.service.containerName,
        image: action.service.spec.image,
        reason: action.reason,
        changes: action.changes,
        strategy: action.strategy,
        ...hookCounts(action.service),
      }
    case "Handover":
      return {
        action: "handover",
        service: action.service.name,
        container: action.service.containerName,
        image: action.service.spec.image,
        reason: action.reason,
        changes: action.changes,
      }
    case "HandoverPending":
      return {
        action: "unchanged",
        service: action.service,
        container: action.containerName,
        reason: "a handover is in progress: its standby is in charge",
      }
    case "HandoverFailed":
      return {
        action: "remove",
        service: action.service,
        container: action.containerName,
        reason: "the standby of a handover that rolled back (reported, then removed)",
      }
    case "Start":
      return {
        action: "start",
        service: action.service,
        container: action.containerName,
        reason: "not running",
      }
    case "Adopt":
      return {
        action: "adopt",
        service: action.service,
        container: action.to,
        reason: `finish an interrupted rollback: rename ${action.from}`,
      }
    case "Resume":
      return {
        action: "resume",
        service: action.service.name,
        container: action.service.containerName,
        image: action.service.spec.image,
        reason: resumeReason(action),
        strategy: action.strategy,
        ...hookCounts(action.service),
      }
    case "RollBack":
      return {
        action: "roll-back",
        service: action.service.name,
        container: action.containerName,
        reason: `${action.trial.name} was on trial for a spec no longer wanted: remove it${action.old === undefined ? "" : `, ${action.old.name} serves again`}`,
      }
    case "Remove":
      return {
        action: "remove",
        service: action.service,
        container: action.containerName,
        reason: action.reason,
      }
    case "Unchanged":
      return { action: "unchanged", service: action.service, container: action.containerName }
    case "Completed":
      return {
        action: "completed",
        service: action.service,
        container: action.containerName,
        exitCode: action.exitCode,
        reason:
          action.exitCode === 0
            ? "the job ran and exited with code 0"
            : `the job exited with code ${action.exitCode}; not run again until its spec changes`,
      }
    case "Blocked":
      return { action: "blocked", service: action.service, reason: action.reason }
    case "Held":
      return {
        action: "held",
        service: action.service,
        container: action.containerName,
        reason: action.reason,
      }
  }
}

/** Where an interrupted rollout goes on, in words. */
const resumeReason = (action: Extract<Action, { _tag: "Resume" }>): string => {
  const since = action.trial.since === "" ? "" : ` (on trial since ${action.trial.since})`
  return action.stage === "gate"
    ? `an interrupted rollout: gate ${action.trial.name} again${since}, then finish it or roll back`
    : `an interrupted rollout: ${action.trial.name} passed its gate; run post_deploy from step ${action.hooksDone + 1}, then remove ${action.old?.name ?? "the old container"}`
}

export interface PlanView {
  readonly fleet: string
  readonly inSync: boolean
  readonly changes: ReadonlyArray<PlannedChange>
  readonly summary: Readonly<Record<PlannedChange["action"], number>>
  /** Creates and replaces that run hooks. */
  readonly withHooks: number
}

/** Changes that change nothing: a plan of only these is in sync. */
const quiet: ReadonlySet<PlannedChange["action"]> = new Set([
  "unchanged",
  "completed",
  "suspended",
  "keep-volume",
  "check-network",
  "check-volume",
])

export const planView = (planned: Plan): PlanView => {
  const changes = planned.actions.map(plannedChange)
  const summary = {
    pull: 0,
    build: 0,
    "create-network": 0,
    "create-volume": 0,
    "check-network": 0,
    "check-volume": 0,
    "recreate-network": 0,
    "remove-network": 0,
    "remove-volume": 0,
    "keep-volume": 0,
    "network-blocked": 0,
    "volume-blocked": 0,
    suspended: 0,
    create: 0,
    replace: 0,
    handover: 0,
    start: 0,
    adopt: 0,
    resume: 0,
    "roll-back": 0,
    remove: 0,
    unchanged: 0,
    completed: 0,
    blocked: 0,
    held: 0,
  }
  for (const change of changes) summary[change.action]++
  const inSync = changes.every((c) => quiet.has(c.action))
  const withHooks = changes.filter((c) => c.hooks !== undefined).length
  return { fleet: planned.fleet, inSync, changes, summary, withHooks }
}
