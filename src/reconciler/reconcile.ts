import { Data, Effect } from "effect"
import { type Action, actionService, isResourceSetup, isResourceTeardown } from "../domain/Action.ts"
import type { BuildResult } from "../domain/BuildSpec.ts"
import type { DesiredState } from "../domain/DesiredState.ts"
import { Labels } from "../domain/labels.ts"
import type { ObservedState } from "../domain/ObservedState.ts"
import { networkHash, resourcesKey, volumeHash } from "../domain/resourceHash.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import type { EngineError } from "../engine/EngineError.ts"
import { type Plan, type PlanOptions, plan } from "../planner/plan.ts"
import type { HeldSpec } from "../planner/planService.ts"
import { applyResources } from "./applyResources.ts"
import { applyServices } from "./applyServices.ts"
import { type ChangeSet, hasFailures, type ServiceResult } from "./ChangeSet.ts"
import { checkImages, recordPulls } from "./checkImages.ts"
import { type FailedBuilds, heldBuilds, rememberBuilds } from "./failedBuilds.ts"
import type { Remembered } from "./Remembered.ts"
import { retryEngine } from "./retryEngine.ts"

export interface ReconcileOptions {
  /** Recorded on every container this pass creates (`fleetd.revision`). */
  readonly revision: string
  /** Let an empty manifest remove every container of the fleet. */
  readonly allowEmpty: boolean
  /** How many engine calls that change state may run at once (health gates hold none). */
  readonly concurrency: number
  /** Wait for first creations' health too, as for replacements (`fleetd apply --wait`; firstCreation.ts). */
  readonly awaitCreations?: boolean
  /** Specs rolled back earlier, per service, not to be retried (the daemon's memory; see planService). */
  readonly held?: ReadonlyMap<string, HeldSpec>
  /** The daemon's memory of the last resource observation; without it every pass lists networks and volumes. */
  readonly resources?: Remembered<ResourceMemo>
  /** The daemon's memory of failed builds: the same inputs are not built again (failedBuilds.ts). */
  readonly failedBuilds?: Remembered<FailedBuilds>
  /** The container this fleetd runs in, if any: its service is handed over, never replaced (planHandover.ts). */
  readonly selfContainerId?: string
  /**
   * The fleet's containers and the images, listed by the caller while it did something
   * else (the daemon lists them while it fetches the source): used instead of listing
   * them again. It must be of `desired.fleet`, listed while this fleetd held its lease.
   */
  readonly listed?: Effect.Effect<Listing, EngineError>
  /**
   * The fleet's networks and volumes, listed the same way (a pass someone asked for
   * usually creates or replaces a container, which needs them listed first): used
   * wherever the pass would list them.
   */
  readonly listedResources?: Effect.Effect<ResourceListing, EngineError>
}

/** What `observe` lists without the networks and volumes. */
export type Listing = Pick<ObservedState, "containers" | "images">

/** The fleet's networks and volumes, as `listResources` gives them. */
export type ResourceListing = Required<Pick<ObservedState, "networks" | "volumes">>

/**
 * Listing networks and volumes costs two engine calls a pass; the steady state does
 * without them. A pass that listed them, found them as desired (or created them so)
 * and removed or failed nothing leaves what it knows here, and the next pass plans
 * against that instead of listing, as long as the desired networks and volumes are
 * the same and it is not about to create or replace a container (which needs them
 * to exist). So they are listed on a process's first pass, after any change to them
 * in the manifest, before any container is created, and on the pass after one that
 * removed something or failed.
 */
export interface ResourceMemo {
  /** resourcesKey of the desired state of the pass that left `listing`. */
  readonly key?: string
  /** The fleet's networks and volumes as that pass left them; unset: list. */
  readonly listing?: Required<Pick<ObservedState, "networks" | "volumes">>
}

/** An empty manifest would remove the whole fleet: only with an explicit opt-in. */
export class EmptyFleetRefused extends Data.TaggedError("EmptyFleetRefused")<{
  readonly fleet: string
  readonly running: number
}> {
  override get message() {
    return `the manifest defines no services, and applying it would remove the ${this.running} container(s) of fleet "${this.fleet}"; nothing was changed. If that is what you want, pass --allow-empty.`
  }
}

/**
 * Everything the planner needs from the engine: two list calls, made concurrently, and
 * two more for the fleet's networks and volumes unless `withResources` is false.
 */
export const observe = (fleet: string, withResources = true) =>
  Effect.gen(function* () {
    const engine = yield* ContainerEngine
    const [containers, images, resources] = yield* Effect.all(
      [
        retryEngine(engine.listContainers(fleet)),
        retryEngine(engine.listImages),
        withResources ? listResources(fleet) : Effect.succeed(undefined),
      ],
      { concurrency: "unbounded" },
    )
    return { containers, images, ...resources } satisfies ObservedState
  })

/** The fleet's networks and volumes: two list calls, made concurrently. */
export const listResources = (fleet: string): Effect.Effect<ResourceListing, EngineError, ContainerEngine> =>
  Effect.gen(function* () {
    const engine = yield* ContainerEngine
    const [networks, volumes] = yield* Effect.all(
      [retryEngine(engine.listNetworks(fleet)), retryEngine(engine.listVolumes(fleet))],
      { concurrency: 2 },
    )
    return { networks, volumes }
  })

/** Actions that need every network and volume of the service to exist. */
const needsResources = (a: Action) =>
  a._tag === "CreateNetwork" || a._tag === "CreateVolume" || a._tag === "Create" || a._tag === "Replace"

/**
 * Observes (or takes what `listed` and `listedResources` give) and plans, refusing a
 * plan that would empty the fleet without opt-in.
 */
export const observeAndPlan = Effect.fnUntraced(function* (
  desired: DesiredState,
  allowEmpty: boolean,
  options: PlanOptions = {},
  memo?: ResourceMemo,
  listed?: Effect.Effect<Listing, EngineError>,
  listedResources?: Effect.Effect<ResourceListing, EngineError>,
) {
  const remembered = memo?.key === resourcesKey(desired) ? memo.listing : undefined
  const resourcesNow = listedResources ?? listResources(desired.fleet)
  let observed: ObservedState
  if (listed === undefined && listedResources === undefined)
    observed = yield* observe(desired.fleet, remembered === undefined)
  else {
    const [listing, resources] = yield* Effect.all(
      [listed ?? observe(desired.fleet, false), remembered === undefined ? resourcesNow : Effect.succeed({})],
      { concurrency: 2 },
    )
    observed = { ...listing, ...resources }
  }
  if (remembered !== undefined) observed = { ...observed, ...remembered }
  let planned = plan(desired, observed, options)
  if (remembered !== undefined && planned.actions.some(needsResources)) {
    // Containers are about to be made: check their networks and volumes really exist.
    observed = { ...observed, ...(yield* resourcesNow) }
    planned = plan(desired, observed, options)
  }
  const removals = planned.actions.filter((a) => a._tag === "Remove" && a.reason === "orphan").length
  if (desired.services.length === 0 && removals > 0 && !allowEmpty) {
    return yield* new EmptyFleetRefused({ fleet: desired.fleet, running: removals })
  }
  return { observed, planned }
})

/** Pulls and builds run first: the services are planned again against the images they leave. */
const isImage = (a: Action) => a._tag === "PullImage" || a._tag === "BuildImage"

/**
 * One pass: observe, plan, pull what is missing, plan again against the images now
 * present (a pull can change which image a tag means), ensure networks and volumes,
 * then change the services. The change set says per service what happened (with the
 * state observed before acting, for status); only a failure
 * to observe the engine (or the empty-fleet guard) fails the pass as a whole.
 */
export const reconcile = Effect.fn("reconcile")(function* (desired: DesiredState, options: ReconcileOptions) {
  const engine = yield* ContainerEngine
  // Registry digests and due pulls first: the planner does no I/O.
  const checks = yield* checkImages(desired)
  const planOptions: PlanOptions = {
    ...(options.held === undefined ? {} : { held: options.held }),
    ...(options.selfContainerId === undefined ? {} : { selfContainerId: options.selfContainerId }),
    images: checks.facts,
  }
  const memo = options.resources
  const first = yield* observeAndPlan(
    desired,
    options.allowEmpty,
    planOptions,
    memo === undefined ? undefined : yield* memo.get,
    options.listed,
    options.listedResources,
  )
  // Until this pass has finished, the next one must look for itself.
  if (memo !== undefined) yield* memo.update(({ listing: _, ...rest }) => rest)
  let planned: Plan = first.planned
  const imageActions = planned.actions.filter(isImage)
  const failedBuilds = options.failedBuilds
  const held = heldBuilds(imageActions, failedBuilds === undefined ? undefined : yield* failedBuilds.get)
  const ran = yield* applyResources(
    desired,
    imageActions.filter((a) => !held.held.includes(a)),
  )
  if (failedBuilds !== undefined)
    yield* failedBuilds.update((memory) => rememberBuilds(memory, desired, imageActions, ran.builds))
  const pulls = {
    results: [...ran.results, ...held.results],
    failed: new Map([...ran.failed, ...held.failed]),
    builds: new Map([...ran.builds, ...held.builds]),
  }
  yield* recordPulls(pulls.results)
  if (pulls.results.some((r) => r.outcome === "pulled" || r.outcome === "built")) {
    const images = yield* retryEngine(engine.listImages)
    planned = plan(desired, { ...first.observed, images }, planOptions)
  }
  const rest = planned.actions.filter((a) => !isImage(a))
  const resources = yield* applyResources(desired, rest.filter(isResourceSetup))
  const services = yield* applyServices(
    desired,
    rest.filter((a) => !isResourceSetup(a) && !isResourceTeardown(a)),
    {
      fleet: desired.fleet,
      revision: options.revision,
      concurrency: options.concurrency,
      ...(options.awaitCreations === undefined ? {} : { awaitCreations: options.awaitCreations }),
      failed: new Map([...checks.unchecked, ...resources.failed, ...pulls.failed]),
    },
  )
  // Destroy last: networks and volumes go once the containers using them are gone.
  const teardown = yield* applyResources(desired, rest.filter(isResourceTeardown))
  const changes: ChangeSet = {
    fleet: desired.fleet,
    revision: options.revision,
    services: services.map((s) => withBuild(uncheckedResult(s, checks.unchecked), pulls.builds)),
    resources: [...checks.results, ...pulls.results, ...resources.results, ...teardown.results],
  }
  if (memo !== undefined && settled(planned, changes))
    yield* memo.update(() => ({ key: resourcesKey(desired), listing: leftListing(desired, first.observed) }))
  // The spec each rolled-back service failed with, for the daemon to hold until something changes.
  const rolledBack = new Map<string, string>()
  for (const result of services) {
    if (result.outcome !== "rolled-back") continue
    // A resumed rollout (after a crash) that rolled back is held like a replacement that did.
    const failed = planned.actions.findLast(
      (a) =>
        (a._tag === "Replace" ||
          a._tag === "Resume" ||
          a._tag === "Handover" ||
          a._tag === "HandoverFailed") &&
        actionService(a) === result.service,
    )
    if (failed !== undefined && "specHash" in failed) rolledBack.set(result.service, failed.specHash)
  }
  return {
    changes,
    observed: first.observed,
    rolledBack: rolledBack as ReadonlyMap<string, string>,
    /** A standby took over the service running this fleetd: it must stop applying (handOver.ts). */
    handedOver: services.some(
      (s) =>
        s.outcome === "replaced" &&
        planned.actions.some((a) => a._tag === "Handover" && a.service.name === s.service),
    ),
    /** A registry failure that may pass (down, 5xx): worth retrying before the next poll. */
    retry: checks.retry,
  }
})

/**
 * Whether the next pass may trust this one's view of networks and volumes: nothing was
 * recreated, removed or blocked, no orphan container was removed, nothing failed.
 * Creating is fine: what was created is exactly what is desired.
 */
const settled = (planned: Plan, changes: ChangeSet): boolean =>
  !planned.actions.some(
    (a) =>
      a._tag === "RecreateNetwork" ||
      a._tag === "RemoveNetwork" ||
      a._tag === "RemoveVolume" ||
      a._tag === "ResourceBlocked" ||
      (a._tag === "Remove" && a.reason === "orphan"),
  ) && !hasFailures(changes)

/**
 * The fleet's networks and volumes after a settled pass: exactly the desired ones (found
 * or created as desired), plus the volumes it kept. Ids are not needed: a pass that
 * would recreate or remove something has other desired resources, so it lists.
 */
const leftListing = (
  desired: DesiredState,
  observed: ObservedState,
): Required<Pick<ObservedState, "networks" | "volumes">> => {
  const labels = (hash: string) => ({ [Labels.fleet]: desired.fleet, [Labels.specHash]: hash })
  const wanted = new Set(desired.volumes.map((v) => v.name))
  return {
    networks: desired.networks
      .filter((n) => !n.external)
      .map((n) => ({
        id: n.name,
        name: n.name,
        driver: n.driver,
        internal: n.internal,
        labels: labels(networkHash(n)),
      })),
    volumes: [
      ...desired.volumes
        .filter((v) => !v.external)
        .map((v) => ({ id: v.name, name: v.name, driver: v.driver, labels: labels(volumeHash(v)) })),
      ...(observed.volumes ?? []).filter((v) => !wanted.has(v.name)),
    ],
  }
}

/** The build of the service's image, when this pass built it, goes with its result. */
const withBuild = (result: ServiceResult, builds: ReadonlyMap<string, BuildResult>): ServiceResult => {
  const build = builds.get(result.service)
  return build === undefined ? result : { ...result, build }
}

/**
 * A tracked service whose registry did not answer may be running an outdated image:
 * it is not "unchanged" but failed (the old container keeps serving), so status and
 * the exit code say why.
 */
const uncheckedResult = (result: ServiceResult, unchecked: ReadonlyMap<string, string>): ServiceResult => {
  const reason = unchecked.get(result.service)
  return reason !== undefined && result.outcome === "unchanged"
    ? { ...result, outcome: "failed", reason }
    : result
}
