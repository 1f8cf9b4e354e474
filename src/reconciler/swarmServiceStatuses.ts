import type { DesiredState } from "../domain/DesiredState.ts"
import type { ServiceStatus, SwarmServiceStatus } from "../domain/FleetStatus.ts"
import type { ObservedSwarmService, ObservedTask } from "../domain/ObservedSwarm.ts"
import type { HealthStatus } from "../domain/statusVocabulary.ts"
import { swarmServiceName } from "../engine/swarm/toServiceSpec.ts"
import type { SwarmObservation } from "./reconcileSwarm.ts"
import { taskFailures } from "./runSwarmAction.ts"

/** Task states on the way to running: the service is starting, not failing. */
const starting = new Set(["new", "pending", "assigned", "accepted", "preparing", "ready", "starting"])

/** Replicas, tasks and update state of one Swarm service, from one listing. */
export const swarmFacts = (
  service: ObservedSwarmService,
  tasks: ReadonlyArray<ObservedTask>,
): SwarmServiceStatus => {
  const own = tasks.filter((t) => t.serviceId === service.id)
  const wanted = own.filter((t) => t.desiredState === "running")
  const running = wanted.filter((t) => t.state === "running").length
  const shown = [
    ...[...wanted].sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0) || (a.node < b.node ? -1 : 1)),
    ...taskFailures(own).slice(0, 3),
  ]
  return {
    running,
    desired: service.replicas ?? wanted.length,
    tasks: shown.map((t) => ({
      id: t.id,
      ...(t.slot === undefined ? {} : { slot: t.slot }),
      node: t.node,
      state: t.state,
      desiredState: t.desiredState,
      ...(t.error === undefined ? {} : { error: t.error }),
    })),
    ...(service.updateState === undefined
      ? {}
      : {
          update: {
            state: service.updateState,
            ...(service.updateMessage === undefined ? {} : { message: service.updateMessage }),
          },
        }),
  }
}

const healthOf = (
  facts: SwarmServiceStatus,
  tasks: ReadonlyArray<ObservedTask>,
  id: string,
): HealthStatus => {
  if (facts.running >= facts.desired) return "Healthy"
  const pending = tasks.some(
    (t) => t.serviceId === id && t.desiredState === "running" && starting.has(t.state),
  )
  return pending ? "Starting" : "Unhealthy"
}

/**
 * The per-service status of a swarm pass: what serviceStatuses says from the change set
 * (sync, last change, last error), with the health, replicas and tasks the pass read
 * back from the manager instead of a container's. An update Swarm paused in an earlier
 * pass is still `Failed` (the next file change tries again).
 */
export const withSwarmFacts = (
  desired: DesiredState,
  statuses: ReadonlyArray<ServiceStatus>,
  observation: SwarmObservation,
  now: string,
): ReadonlyArray<ServiceStatus> => {
  const byName = new Map(observation.services.map((s) => [s.name, s]))
  return statuses.map((status) => {
    const service = byName.get(swarmServiceName(desired.fleet, status.name))
    if (service === undefined) return { ...status, health: "Missing" }
    const facts = swarmFacts(service, observation.tasks)
    const paused = service.updateState === "paused" && status.sync === "Synced"
    return {
      ...status,
      container: service.name,
      health: healthOf(facts, observation.tasks, service.id),
      swarm: facts,
      ...(paused
        ? {
            sync: "Failed" as const,
            lastError: status.lastError ?? {
              at: now,
              message: `Swarm paused the update${service.updateMessage === undefined ? "" : ` (${service.updateMessage})`}`,
            },
          }
        : {}),
    }
  })
}
