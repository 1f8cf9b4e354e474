import type { Action } from "../domain/Action.ts"
import type { SwarmAction } from "../planner/planSwarm.ts"
import { type PlannedChange, type PlanView, planView } from "./planView.ts"

/**
 * One change of a swarm plan in plan's public vocabulary (docs/json-output.md): a
 * service's `container` is its Swarm service's name; an update is a `replace` Swarm
 * rolls out in its update_config's order.
 */
export const swarmPlannedChange = (action: SwarmAction): PlannedChange => {
  switch (action._tag) {
    case "CreateService":
      return {
        action: "create",
        service: action.service,
        container: action.spec.Name,
        image: String(action.spec.TaskTemplate.ContainerSpec["Image"]),
      }
    case "UpdateService":
      return {
        action: "replace",
        service: action.service,
        container: action.spec.Name,
        image: String(action.spec.TaskTemplate.ContainerSpec["Image"]),
        reason: action.reason,
        strategy: action.spec.UpdateConfig?.Order === "start-first" ? "start-first" : "stop-first",
      }
    case "RemoveService":
      return { action: "remove", service: action.name, container: action.name, reason: action.reason }
    case "KeepService":
      return {
        action: action.outcome,
        service: action.service,
        ...(action.outcome === "unchanged" ? {} : { reason: action.reason }),
      }
  }
}

/** `fleetd plan --swarm`: the networks and volumes as for containers, then the Swarm services. */
export const swarmPlanView = (
  fleet: string,
  resources: { readonly setup: ReadonlyArray<Action>; readonly teardown: ReadonlyArray<Action> },
  actions: ReadonlyArray<SwarmAction>,
): PlanView => {
  const setup = planView({ fleet, actions: resources.setup })
  const teardown = planView({ fleet, actions: resources.teardown })
  const services = actions.map(swarmPlannedChange)
  const changes = [...setup.changes, ...services, ...teardown.changes]
  const summary = { ...setup.summary }
  for (const [key, n] of Object.entries(teardown.summary)) summary[key as PlannedChange["action"]] += n
  for (const change of services) summary[change.action]++
  const quiet = new Set<PlannedChange["action"]>([
    "unchanged",
    "suspended",
    "keep-volume",
    "check-network",
    "check-volume",
  ])
  return { fleet, inSync: changes.every((c) => quiet.has(c.action)), changes, summary, withHooks: 0 }
}
