import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Clock, Effect, Option, Result } from "effect"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import type { DesiredState } from "../domain/DesiredState.ts"
import type { ProjectStatus } from "../domain/FleetStatus.ts"
import { passPhase } from "../domain/firstCreation.ts"
import { createDirectories } from "../manifest/hostFiles.ts"
import type { ProjectOutcome } from "../manifest/loadProjects.ts"
import { formatManifestIssue } from "../manifest/ManifestError.ts"
import { logEvent } from "../observability/logEvent.ts"
import { applyPolicy } from "../policy/applyPolicy.ts"
import { emptyPolicy } from "../policy/Policy.ts"
import { policyIssues } from "../policy/policyIssues.ts"
import { type ChangeSet, hasFailures } from "../reconciler/ChangeSet.ts"
import { asProject } from "../reconciler/projectFleets.ts"
import { serviceStatuses } from "../reconciler/serviceStatuses.ts"
import { FleetLease } from "./FleetLease.ts"
import { fleetMemory, PassMemory } from "./PassMemory.ts"
import { reconcileHolding } from "./reconcileHolding.ts"
import { iso } from "./recordPass.ts"

export interface ProjectPassResult {
  readonly status: ProjectStatus
  readonly changes?: ChangeSet
  /** What was reconciled, with `changes`: the health watch of first creations needs it (watchFirstHealth.ts). */
  readonly desired?: DesiredState
  /** The engine failed this project's reconcile (the pass is `error`). */
  readonly engineError?: string
  /** Worth a pass before the next poll (engine unavailable, registry down). */
  readonly retry: boolean
  /** Another fleetd holds this project's lease: the pass asks again soon. */
  readonly waiting?: boolean
  /** This fleetd handed its own service (in this project) over to a standby: it applies nothing more. */
  readonly handedOver?: true
}

/**
 * One project's share of a pass: stalled when invalid (its containers left as they
 * run), else policed, labelled as the project's and reconciled as its own fleet with
 * its own held specs and resource memory. Never fails: the others must proceed.
 */
export const reconcileProject = Effect.fnUntraced(function* (
  project: ProjectOutcome,
  revision: string,
  sourceId: string,
  previous: ReadonlyArray<ProjectStatus>,
) {
  const config = yield* DaemonConfig
  const before = previous.find((p) => p.dir === project.dir && p.fleet === project.fleet)
  const base = {
    dir: project.dir,
    file: project.file,
    fleet: project.fleet,
    ...(before?.lastAppliedRevision === undefined ? {} : { lastAppliedRevision: before.lastAppliedRevision }),
  }
  const services = before?.services ?? []
  const stall = Effect.fnUntraced(function* (reason: string, issues: ReadonlyArray<string>) {
    // Logged when it starts, not on every pass of a stalled revision.
    if (before?.stalled?.revision !== revision || before.stalled.reason !== reason)
      yield* logEvent("Error", `project ${project.fleet}: stalled: ${reason}`, {
        revision,
        project: project.dir,
        issues,
      })
    return {
      status: { ...base, phase: "Stalled", stalled: { revision, reason, issues }, services },
      retry: false,
    } satisfies ProjectPassResult as ProjectPassResult
  })

  if (Result.isFailure(project.loaded)) {
    const error = project.loaded.failure
    return yield* stall(
      `${project.file} is invalid`,
      error.issues.map((i) => formatManifestIssue(project.file, i)),
    )
  }
  const { warnings, issueAt } = project.loaded.success
  for (const warning of warnings)
    yield* logEvent("Warn", `project ${project.fleet}: ${warning}`, { revision, project: project.dir })
  const policed = applyPolicy(project.loaded.success.desired, config.policy ?? emptyPolicy)
  for (const issue of policyIssues(policed.violations, issueAt))
    yield* logEvent("Error", `policy: ${formatManifestIssue(project.file, issue)}`, {
      revision,
      project: project.dir,
      service: issue.service,
    })
  const desired = asProject(policed.desired, sourceId, project.dir)
  const fleet = desired.fleet
  // Bind sources found nowhere are a container's data: created before it starts, as in Compose.
  const created = yield* Effect.result(
    createDirectories(project.loaded.success.directories).pipe(Effect.provide(NodeFileSystem.layer)),
  )
  if (Result.isFailure(created)) {
    const error = `cannot create a bind mount source: ${created.failure.message}`
    yield* logEvent("Error", `project ${fleet}: ${error}`, { revision, project: project.dir })
    return {
      status: { ...base, phase: "Failing", services },
      retry: true,
    } satisfies ProjectPassResult as ProjectPassResult
  }
  // One writer per fleet per engine: a project whose lease another fleetd holds waits
  // (the pass asks again soon); one that loses it mid-pass stops between two actions.
  const lease = yield* FleetLease
  const waiting = {
    status: { ...base, phase: "Waiting", services },
    retry: false,
    waiting: true,
  } satisfies ProjectPassResult as ProjectPassResult
  const leased = yield* Effect.result(lease.acquire(fleet))
  if (Result.isSuccess(leased) && leased.success._tag === "Waiting") return waiting
  const remember = fleetMemory(yield* PassMemory, fleet)
  const reconciled = Result.isFailure(leased)
    ? Option.some(Result.fail(leased.failure))
    : yield* Effect.raceFirst(
        Effect.map(
          Effect.result(
            reconcileHolding(desired, revision, yield* remember.held.get, {
              resources: remember.resources,
              failedBuilds: remember.failedBuilds,
            }),
          ),
          Option.some,
        ),
        Effect.as(lease.lost(fleet), Option.none()),
      )
  if (Option.isNone(reconciled)) {
    yield* logEvent("Warn", `project ${fleet}: lost its lease during the pass; stopped between two actions`, {
      revision,
    })
    return waiting
  }
  const applied = reconciled.value
  if (Result.isFailure(applied)) {
    const error = applied.failure
    if (error._tag === "EmptyFleetRefused") return yield* stall(error.message, [])
    yield* logEvent("Error", `project ${fleet}: container engine unavailable`, {
      revision,
      error: error.message,
    })
    return {
      status: { ...base, phase: "Failing", services },
      engineError: error.message,
      retry: error.reason === "Unavailable",
    } satisfies ProjectPassResult as ProjectPassResult
  }
  const { changes, observed, retry, handedOver } = applied.success
  yield* remember.held.update(() => applied.success.held)
  // The standby is in charge now: the new fleetd may take the lease without waiting for our exit.
  if (handedOver) yield* lease.release(fleet)
  const failed = hasFailures(changes)
  const now = iso(yield* Clock.currentTimeMillis)
  // First creations not waited for stay Progressing until a later pass sees their health.
  const statuses = serviceStatuses(desired, observed.containers, changes, services, now, observed.images)
  return {
    status: {
      ...base,
      phase: passPhase(failed, statuses),
      ...(failed ? {} : { lastAppliedRevision: revision }),
      services: statuses,
    },
    changes,
    desired,
    retry,
    ...(handedOver ? { handedOver: true } : {}),
  } satisfies ProjectPassResult as ProjectPassResult
})
