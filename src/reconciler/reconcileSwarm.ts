import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect } from "effect"
import type { DesiredState } from "../domain/DesiredState.ts"
import type { ObservedSwarmService, ObservedTask } from "../domain/ObservedSwarm.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import { requireSwarmManager } from "../engine/swarm/requireSwarmManager.ts"
import { SwarmEngine } from "../engine/swarm/SwarmEngine.ts"
import { planResources } from "../planner/planResources.ts"
import { planSwarm, type SwarmAction } from "../planner/planSwarm.ts"
import { applyResources } from "./applyResources.ts"
import type { ChangeSet } from "./ChangeSet.ts"
import { ensureSwarmObjects, listSwarmObjects, pruneSwarmObjects } from "./ensureSwarmObjects.ts"
import { EmptyFleetRefused } from "./reconcile.ts"
import { retryEngine } from "./retryEngine.ts"
import { runSwarmAction } from "./runSwarmAction.ts"
import { swarmObjectData } from "./swarmObjectData.ts"

export interface SwarmReconcileOptions {
  readonly revision: string
  readonly allowEmpty: boolean
  /** How many service changes run at once (an update waits for its rollout meanwhile). */
  readonly concurrency: number
  /** Service → the spec hash Swarm rolled back, not sent again (planSwarm). */
  readonly held?: ReadonlyMap<string, string>
}

/** The fleet's services and their tasks after a pass: for status (swarmServiceStatuses.ts). */
export interface SwarmObservation {
  readonly services: ReadonlyArray<ObservedSwarmService>
  readonly tasks: ReadonlyArray<ObservedTask>
}

/** What the pass plans against: the fleet's services, networks and volumes. */
export const observeSwarm = (fleet: string) =>
  Effect.gen(function* () {
    const swarm = yield* SwarmEngine
    const engine = yield* ContainerEngine
    const [services, networks, volumes] = yield* Effect.all(
      [
        retryEngine(swarm.listServices(fleet)),
        retryEngine(engine.listNetworks(fleet)),
        retryEngine(engine.listVolumes(fleet)),
      ],
      { concurrency: "unbounded" },
    )
    return { services, networks, volumes }
  })

/**
 * Observes the manager and plans: services by planSwarm, overlay networks and volumes as
 * for containers, secrets and configs by their content-hashed names (the files they come
 * from are read here: the repository is fleetd's, not the nodes').
 */
export const planSwarmFleet = Effect.fnUntraced(function* (
  desired: DesiredState,
  allowEmpty: boolean,
  held?: ReadonlyMap<string, string>,
) {
  yield* requireSwarmManager
  const [observed, wanted, owned] = yield* Effect.all(
    [
      observeSwarm(desired.fleet),
      swarmObjectData(desired).pipe(Effect.provide(NodeFileSystem.layer)),
      listSwarmObjects(desired.fleet),
    ],
    { concurrency: "unbounded" },
  )
  const names = new Map([...wanted.objects].map(([key, o]) => [key, o.name]))
  // No containers: what a network or volume is used by is the services', which planSwarm handles.
  const resources = planResources(
    desired,
    { containers: [], images: [], networks: observed.networks, volumes: observed.volumes },
    [],
  )
  const actions = planSwarm(desired, observed.services, held, names)
  const removals = actions.filter((a) => a._tag === "RemoveService").length
  if (desired.services.length === 0 && removals > 0 && !allowEmpty)
    return yield* new EmptyFleetRefused({ fleet: desired.fleet, running: removals })
  return {
    observed,
    resources,
    actions,
    objects: { wanted: wanted.objects, unreadable: wanted.failed, owned },
  }
})

const changes = (a: SwarmAction) => a._tag !== "KeepService"

/**
 * One pass on the swarm target: check the engine is a manager, observe, plan, ensure the
 * overlay networks and volumes, change the services (an update followed until Swarm
 * settles it), remove what left the file and the networks it no longer needs, then
 * read the services and tasks back for status. Only an engine failure (or the
 * empty-fleet guard, or an engine that is no manager) fails the pass as a whole.
 */
export const reconcileSwarm = Effect.fn("reconcileSwarm")(function* (
  desired: DesiredState,
  options: SwarmReconcileOptions,
) {
  const swarm = yield* SwarmEngine
  const { observed, resources, actions, objects } = yield* planSwarmFleet(
    desired,
    options.allowEmpty,
    options.held,
  )
  const setup = yield* applyResources(desired, resources.setup)
  const ensured = yield* ensureSwarmObjects(desired.fleet, objects.wanted, objects.owned)
  const blockedBy = new Map([...setup.failed, ...objects.unreadable, ...ensured.failed])
  const byName = new Map(observed.services.map((s) => [s.name, s]))
  const ran = yield* Effect.forEach(actions, (a) => runSwarmAction(a, byName, blockedBy, ensured.ids), {
    concurrency: options.concurrency,
  })
  // Destroy last: a network goes once the services using it are gone.
  const teardown = yield* applyResources(desired, resources.teardown)
  const rolledBack = new Map<string, string>()
  for (const r of ran) if (r.rolledBack !== undefined) rolledBack.set(r.result.service, r.rolledBack)
  // Read back for status only when something changed; a no-op pass already has what it saw.
  const wantedNames = new Set([...objects.wanted.values()].map((o) => o.name))
  const stale = objects.owned.some((o) => !wantedNames.has(o.name))
  const services =
    actions.some(changes) || stale
      ? yield* Effect.orElseSucceed(swarm.listServices(desired.fleet), () => observed.services)
      : observed.services
  // A secret or config goes once no service of the fleet uses it (judged by the services read back).
  const pruned = yield* pruneSwarmObjects(objects.wanted, objects.owned, services)
  const set: ChangeSet = {
    fleet: desired.fleet,
    revision: options.revision,
    services: ran.map((r) => r.result),
    resources: [...setup.results, ...ensured.results, ...teardown.results, ...pruned],
  }
  const tasks = yield* Effect.orElseSucceed(
    swarm.listTasks(services.map((s) => s.id)),
    () => [] as ReadonlyArray<ObservedTask>,
  )
  return {
    changes: set,
    observed: { containers: [], images: [] },
    swarm: { services, tasks } satisfies SwarmObservation as SwarmObservation,
    rolledBack: rolledBack as ReadonlyMap<string, string>,
    handedOver: false,
    retry: false,
  }
})
