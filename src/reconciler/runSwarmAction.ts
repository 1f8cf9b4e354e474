import { Effect } from "effect"
import { Labels } from "../domain/labels.ts"
import type { ObservedSwarmService, ObservedTask } from "../domain/ObservedSwarm.ts"
import type { EngineError } from "../engine/EngineError.ts"
import { SwarmEngine } from "../engine/swarm/SwarmEngine.ts"
import { withObjectIds } from "../engine/swarm/swarmObjects.ts"
import type { SwarmAction } from "../planner/planSwarm.ts"
import { swarmUpdateDeadlineMs } from "../planner/swarmUpdateDeadline.ts"
import { awaitSwarmUpdate } from "./awaitSwarmUpdate.ts"
import type { ServiceResult } from "./ChangeSet.ts"

/** Lines of a failed task's log kept (then bounded to 4 KiB like every tail). */
const taskLogLines = 50

/** The failed tasks' errors, newest first, each once: why Swarm gave up on the update. */
export const taskFailures = (tasks: ReadonlyArray<ObservedTask>): ReadonlyArray<ObservedTask> => {
  const failed = tasks
    .filter((t) => (t.state === "failed" || t.state === "rejected") && t.error !== undefined)
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
  const seen = new Set<string>()
  return failed.filter((t) => !seen.has(t.error ?? "") && seen.add(t.error ?? ""))
}

/** What Swarm said, and what the failed tasks said: a reason an operator can act on. */
const failureReason = (what: string, message: string | undefined, failures: ReadonlyArray<ObservedTask>) => {
  const said = message === undefined ? what : `${what} (${message})`
  const errors = failures.slice(0, 3).map((t) => `${t.error}${t.node === "" ? "" : ` on ${t.node}`}`)
  return errors.length === 0 ? said : `${said}; tasks failed: ${errors.join("; ")}`
}

/** The failed tasks of a service and the log tail of the newest one; best effort (the report must not fail). */
const failedTasks = (serviceId: string) =>
  Effect.gen(function* () {
    const swarm = yield* SwarmEngine
    const tasks = yield* Effect.orElseSucceed(swarm.listTasks([serviceId]), () => [])
    const failures = taskFailures(tasks)
    const newest = failures[0]
    const logs =
      newest === undefined
        ? ""
        : yield* Effect.orElseSucceed(swarm.taskLogs(newest.id, taskLogLines), () => "")
    return { failures, logs }
  })

const failed = (service: string, error: EngineError): ServiceResult => ({
  service,
  outcome: "failed",
  reason: error.message,
})

/**
 * Carries out one action of a swarm plan and says what happened. An update whose tasks
 * change is followed until Swarm settles it (awaitSwarmUpdate.ts): a rollback is
 * `rolled-back`, a paused update `failed`, each with the failed tasks' errors and the
 * newest one's log tail. Engine mutations are uninterruptible; the wait is not.
 * `rolledBack` is the spec hash Swarm rolled back, for the daemon to hold.
 */
export const runSwarmAction = Effect.fnUntraced(function* (
  action: SwarmAction,
  observed: ReadonlyMap<string, ObservedSwarmService>,
  /** Service → why it cannot change this pass (a network, secret or config it needs failed). */
  blockedBy: ReadonlyMap<string, string>,
  /** Secret and config name → id, for the references of the specs sent (swarmObjects.ts). */
  objectIds: ReadonlyMap<string, string> = new Map(),
) {
  const swarm = yield* SwarmEngine
  const none = { rolledBack: undefined as string | undefined }
  const blocked =
    action._tag === "CreateService" || action._tag === "UpdateService"
      ? blockedBy.get(action.service)
      : undefined
  if (blocked !== undefined && "service" in action)
    return {
      ...none,
      result: { service: action.service, outcome: "failed", reason: blocked } as ServiceResult,
    }
  switch (action._tag) {
    case "KeepService":
      return {
        ...none,
        result: {
          service: action.service,
          outcome: action.outcome,
          ...(action.outcome === "unchanged" ? {} : { reason: action.reason }),
        } satisfies ServiceResult as ServiceResult,
      }
    case "RemoveService":
      return yield* swarm.removeService(action.id).pipe(
        Effect.uninterruptible,
        Effect.as({
          service: action.name,
          outcome: "removed",
          reason: action.reason,
        } satisfies ServiceResult),
        Effect.catch((e) => Effect.succeed(failed(action.name, e))),
        Effect.map((result) => ({ ...none, result: result as ServiceResult })),
      )
    case "CreateService": {
      const blocked = blockedBy.get(action.service)
      if (blocked !== undefined)
        return {
          ...none,
          result: { service: action.service, outcome: "failed", reason: blocked } as ServiceResult,
        }
      return yield* swarm.createService(withObjectIds(action.spec, objectIds)).pipe(
        Effect.uninterruptible,
        Effect.as({ service: action.service, outcome: "created" } satisfies ServiceResult),
        Effect.catch((e) => Effect.succeed(failed(action.service, e))),
        Effect.map((result) => ({ ...none, result: result as ServiceResult })),
      )
    }
    case "UpdateService": {
      const blocked = blockedBy.get(action.service)
      if (blocked !== undefined)
        return {
          ...none,
          result: { service: action.service, outcome: "failed", reason: blocked } as ServiceResult,
        }
      const before = observed.get(action.spec.Name)
      const sent = yield* Effect.result(
        swarm
          .updateService(action.id, action.version, withObjectIds(action.spec, objectIds))
          .pipe(Effect.uninterruptible),
      )
      if (sent._tag === "Failure") return { ...none, result: failed(action.service, sent.failure) }
      const replaced: ServiceResult = { service: action.service, outcome: "replaced", reason: action.reason }
      // Labels or replicas alone: Swarm changes no task, so there is no rollout to wait for.
      if (before?.labels[Labels.taskHash] === action.spec.Labels[Labels.taskHash])
        return { ...none, result: replaced }
      const replicas = "Replicated" in action.spec.Mode ? action.spec.Mode.Replicated.Replicas : 1
      const end = yield* Effect.result(
        awaitSwarmUpdate(action.id, before?.updateStartedAt, swarmUpdateDeadlineMs(action.spec, replicas)),
      )
      if (end._tag === "Failure") return { ...none, result: failed(action.service, end.failure) }
      switch (end.success._tag) {
        case "Completed":
          return { ...none, result: replaced }
        case "Pending":
          return {
            ...none,
            result: {
              ...replaced,
              reason: `${action.reason}; Swarm is still rolling it out (${end.success.state ?? "not started"}): the next pass reads how it ended`,
            },
          }
        case "RolledBack": {
          const { failures, logs } = yield* failedTasks(action.id)
          return {
            rolledBack: action.spec.Labels[Labels.specHash],
            result: {
              service: action.service,
              outcome: "rolled-back",
              reason: failureReason("Swarm rolled the update back", end.success.message, failures),
              ...(logs === "" ? {} : { logs }),
            } satisfies ServiceResult as ServiceResult,
          }
        }
        case "Paused": {
          const { failures, logs } = yield* failedTasks(action.id)
          return {
            ...none,
            result: {
              service: action.service,
              outcome: "failed",
              reason: failureReason(
                "Swarm paused the update (update_config failure_action: pause; write failure_action: rollback to have it rolled back)",
                end.success.message,
                failures,
              ),
              ...(logs === "" ? {} : { logs }),
            } satisfies ServiceResult as ServiceResult,
          }
        }
      }
    }
  }
})
