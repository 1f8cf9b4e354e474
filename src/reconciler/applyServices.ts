import { Deferred, Effect } from "effect"
import { type Action, actionService, isMutating } from "../domain/Action.ts"
import { type DesiredService, type DesiredState, defaultUpdateSettings } from "../domain/DesiredState.ts"
import { waitsForCreation } from "../domain/firstCreation.ts"
import { boundEngine } from "../engine/BoundedEngine.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import type { ServiceOutcome, ServiceResult } from "./ChangeSet.ts"
import { awaitCompletion, awaitReady } from "./healthGate.ts"
import { runAction } from "./runAction.ts"

export interface ApplyOptions {
  readonly fleet: string
  readonly revision: string
  /** How many engine calls that change state may run at once (a health gate holds none). */
  readonly concurrency: number
  /** Wait for the health of first creations too (`fleetd apply --wait`): see firstCreation.ts. */
  readonly awaitCreations?: boolean
  /** Services that must not be touched this pass, with the reason (a failed pull, network, ...). */
  readonly failed: ReadonlyMap<string, string>
}

/**
 * Runs the container actions of a plan. Each service's actions run in order; services
 * run concurrently, each starting only once the services it depends on are done. At most
 * `concurrency` engine calls that change state run at once (boundEngine); a health gate
 * waits holding none, so gates of different services overlap instead of queueing. A
 * failure fails that service and the services that require it, never the others.
 * Orphans are removed last, once everything else has settled.
 */
export const applyServices = Effect.fnUntraced(function* (
  desired: DesiredState,
  actions: ReadonlyArray<Action>,
  options: ApplyOptions,
) {
  const groups = groupByService(actions)
  const bounded = yield* boundEngine(yield* ContainerEngine, options.concurrency)
  const done = new Map<string, Deferred.Deferred<ServiceOutcome>>()
  for (const name of groups.keys()) done.set(name, yield* Deferred.make<ServiceOutcome>())
  const deps = new Map(desired.services.map((s) => [s.name, s.dependsOn]))
  const byName = new Map(desired.services.map((s) => [s.name, s]))
  // A dependent with `service_completed_successfully` waits for this service's run to end
  // anyway, so its first creation is waited for too: the job's own result (its exit code)
  // is then known and reported in this pass, not only its dependent's failure.
  const completionAwaited = new Set(
    desired.services.flatMap((s) =>
      s.dependsOn.filter((d) => d.condition === "service_completed_successfully").map((d) => d.service),
    ),
  )
  const awaitsCreation = (service: string) =>
    options.awaitCreations === true || completionAwaited.has(service)
  const isOrphan = (group: ReadonlyArray<Action>) =>
    group.some((a) => a._tag === "Remove" && a.reason === "orphan")
  // Awaited by every orphan, run once: each orphan awaiting every other service made a
  // pass that removes most of a large fleet quadratic.
  const othersDone = yield* Effect.cached(
    Effect.forEach(
      [...done.entries()].filter(([n]) => !isOrphan(groups.get(n) ?? [])),
      ([, d]) => Deferred.await(d),
      { discard: true },
    ),
  )
  // A service whose only action is Unchanged does nothing: its result is known without
  // running it. A no-op pass of 1,000 services ran 1,000 fibers for nothing (bench/scale.ts).
  const idle = (group: ReadonlyArray<Action>) => group.every((a) => a._tag === "Unchanged")
  for (const [name, group] of groups) if (idle(group)) yield* Deferred.succeed(done.get(name)!, "unchanged")

  const runGroup = Effect.fnUntraced(function* (service: string, group: ReadonlyArray<Action>) {
    if (isOrphan(group)) yield* othersDone
    for (const dep of deps.get(service) ?? []) {
      const waitFor = done.get(dep.service)
      const outcome = waitFor === undefined ? "unchanged" : yield* Deferred.await(waitFor)
      if (dep.required && (outcome === "failed" || outcome === "blocked") && group.some(isMutating)) {
        return {
          service,
          outcome: "failed",
          reason: `not changed: its dependency ${dep.service} failed`,
        } as const
      }
      const target = byName.get(dep.service)
      if (dep.condition === "service_healthy" && target !== undefined && group.some(isMutating)) {
        const unhealthy = yield* dependencyHealthy(target)
        if (unhealthy !== undefined)
          return {
            service,
            outcome: "failed",
            reason: `not changed: its dependency ${dep.service} is not healthy: ${unhealthy}`,
          } as const
      }
      if (
        dep.condition === "service_completed_successfully" &&
        target !== undefined &&
        group.some(isMutating)
      ) {
        const timeout = (target.update ?? defaultUpdateSettings).healthTimeoutMs
        const failed = yield* awaitCompletion(target.containerName, timeout).pipe(
          Effect.as(undefined),
          Effect.catchTag("GateFailed", (e) => Effect.succeed(e.reason)),
        )
        if (failed !== undefined)
          return { service, outcome: "failed", reason: `not changed: its dependency ${failed}` } as const
      }
    }
    const blockedBy = options.failed.get(service)
    if (blockedBy !== undefined && group.some(isMutating))
      return { service, outcome: "failed", reason: blockedBy } as const
    return yield* runGroupActions(options, service, group, awaitsCreation(service)).pipe(
      Effect.provideService(ContainerEngine, bounded),
    )
  })

  const entries = [...groups.entries()]
  const ran = yield* Effect.forEach(
    entries.filter(([, group]) => !idle(group)),
    ([service, group]) =>
      runGroup(service, group).pipe(
        Effect.tap((result) => Deferred.succeed(done.get(service)!, result.outcome)),
      ),
    { concurrency: "unbounded" },
  )
  // In the plan's order, as before.
  let next = 0
  return entries.map(([service, group]) =>
    idle(group) ? resultOf(service, group, awaitsCreation(service)) : ran[next++]!,
  )
})

/**
 * `condition: service_healthy`: the dependency's container must be healthy (or, with no
 * healthcheck, running) within its own health_timeout. A dependency changed this pass
 * already passed its gate, so this costs one inspection; an unchanged one that is
 * unhealthy or stopped fails at once. Undefined when healthy, else why not.
 */
const dependencyHealthy = (target: DesiredService) =>
  awaitReady(target.containerName, target.containerName, target.spec, {
    ...(target.update ?? defaultUpdateSettings),
    minReadyMs: 0,
  }).pipe(
    Effect.as(undefined),
    Effect.catchTag("GateFailed", (e) => Effect.succeed(e.reason)),
  )

const runGroupActions = (
  options: ApplyOptions,
  service: string,
  group: ReadonlyArray<Action>,
  awaitCreation: boolean,
) =>
  Effect.forEach(group, (action) => runAction(options.fleet, options.revision, action, awaitCreation)).pipe(
    Effect.map((ran): ServiceResult => {
      const hooks = ran.flatMap((r) => r ?? [])
      const result = resultOf(service, group, awaitCreation)
      return { ...result, ...(hooks.length === 0 ? {} : { hooks }) }
    }),
    Effect.catch((error) =>
      Effect.succeed<ServiceResult>({
        service,
        outcome: error.rolledBack === true ? "rolled-back" : "failed",
        reason: error.message,
        ...(error.logs === undefined ? {} : { logs: error.logs }),
        ...(error.hooks === undefined ? {} : { hooks: error.hooks }),
      }),
    ),
  )

/** The image a replacement moved from and to, when both are known and differ. */
const imageChange = (action: Extract<Action, { _tag: "Replace" | "Handover" }>) =>
  action.imageId !== undefined && action.old.imageId !== undefined && action.imageId !== action.old.imageId
    ? { image: { from: action.old.imageId, to: action.imageId } }
    : {}

/** What a group of actions amounts to, once they all succeeded. */
const resultOf = (service: string, group: ReadonlyArray<Action>, awaitCreations: boolean): ServiceResult => {
  const main = group.findLast((a) => a._tag !== "Remove" || a.reason === "orphan") ?? group[group.length - 1]
  switch (main?._tag) {
    case "Create":
      return {
        service,
        outcome: "created",
        container: main.service.containerName,
        ...(waitsForCreation(main.service, awaitCreations) ? {} : { progressing: true }),
      }
    case "Replace":
      return {
        service,
        outcome: "replaced",
        reason: main.reason,
        changes: main.changes,
        container: main.service.containerName,
        ...imageChange(main),
      }
    case "Handover":
      return {
        service,
        outcome: "replaced",
        reason: `${main.reason}; handed over to a new fleetd`,
        changes: main.changes,
        container: main.service.containerName,
        ...imageChange(main),
      }
    case "HandoverPending":
      return {
        service,
        outcome: "unchanged",
        reason: `a handover is in progress, supervised by ${main.containerName}`,
        container: main.containerName,
      }
    case "Start":
      return { service, outcome: "started", reason: "was not running", container: main.containerName }
    case "Adopt":
      return {
        service,
        outcome: "adopted",
        reason: "finished an interrupted rollback",
        container: main.to,
      }
    case "Resume":
      return {
        service,
        outcome: main.old === undefined ? "created" : "replaced",
        reason: `resumed an interrupted rollout (${main.stage === "gate" ? "gated again" : `post_deploy from step ${main.hooksDone + 1}`})`,
        container: main.service.containerName,
      }
    case "Remove":
      return { service, outcome: "removed", reason: main.reason, container: main.containerName }
    case "Blocked":
      return { service, outcome: "blocked", reason: main.reason }
    case "Held":
      return { service, outcome: "held", reason: main.reason, container: main.containerName }
    case "Suspended":
      return {
        service,
        outcome: "suspended",
        reason: main.reason,
        ...(main.containerName === undefined ? {} : { container: main.containerName }),
      }
    case "Unchanged":
      return { service, outcome: "unchanged", container: main.containerName }
    case "Completed":
      return main.exitCode === 0
        ? { service, outcome: "completed", container: main.containerName, exitCode: 0 }
        : {
            service,
            outcome: "failed",
            reason: `its job exited with code ${main.exitCode}; not run again until its spec changes`,
            container: main.containerName,
            exitCode: main.exitCode,
          }
    default:
      return { service, outcome: "unchanged" }
  }
}

const groupByService = (actions: ReadonlyArray<Action>): ReadonlyMap<string, ReadonlyArray<Action>> => {
  const groups = new Map<string, Array<Action>>()
  for (const action of actions) {
    const service = actionService(action)
    if (service === undefined) continue
    const group = groups.get(service)
    if (group === undefined) groups.set(service, [action])
    else group.push(action)
  }
  return groups
}
