import type { BuildSpec } from "./BuildSpec.ts"
import type { ContainerSpec } from "./ContainerSpec.ts"
import type { SwarmDeploy } from "./SwarmDeploy.ts"

/**
 * `periodic`: daily, weekly, every_<duration> (the period is DesiredService.pullPeriodMs).
 * `build`: the service is built whenever its build inputs differ from the image's.
 */
export type PullPolicy = "always" | "missing" | "never" | "periodic" | "build"

export type DependencyCondition = "service_started" | "service_healthy" | "service_completed_successfully"

export interface Dependency {
  readonly service: string
  readonly condition: DependencyCondition
  /** Compose `required: false`: a missing dependency is not an error. */
  readonly required: boolean
}

/** `x-fleetd.update`, normalized (normalizeUpdate.ts). Not part of any hash. */
export interface UpdateSettings {
  /** As written; unset means start-first, or stop-first when fixed host ports force it. */
  readonly order?: "start-first" | "stop-first"
  /** A container with a healthcheck must report healthy within this. */
  readonly healthTimeoutMs: number
  /** A container without one must run this long without exiting or restarting. */
  readonly minReadyMs: number
  /** Restore the old container when the new one fails its gate. */
  readonly rollback: boolean
}

export const defaultUpdateSettings: UpdateSettings = {
  healthTimeoutMs: 60_000,
  minReadyMs: 5_000,
  rollback: true,
}

export type HookPhase = "pre_deploy" | "post_deploy" | "on_failure"

/** One normalized `x-fleetd.hooks` step (normalizeHooks.ts). */
export type HookStep =
  | {
      readonly kind: "run"
      /** The one-shot container: the service's image, env and networks unless the step says otherwise. */
      readonly spec: ContainerSpec
      readonly timeoutMs: number
      /** Where policy-governed items of the step were written (see DesiredService.origins). */
      readonly origins?: Readonly<Record<string, ReadonlyArray<PropertyKey>>>
    }
  | {
      readonly kind: "exec"
      readonly command: ReadonlyArray<string>
      readonly user?: string
      readonly timeoutMs: number
    }

/** `x-fleetd.hooks`, normalized. Not part of any hash: editing a hook replaces nothing. */
export type ServiceHooks = Readonly<Partial<Record<HookPhase, ReadonlyArray<HookStep>>>>

export interface DesiredService {
  /** Service key in fleet.yaml. */
  readonly name: string
  /** Container name on the engine: `<fleet>-<service>`, or the manifest's `container_name`. */
  readonly containerName: string
  /** Set by `container_name`: the name is fixed, so the default order is stop-first. */
  readonly fixedName?: true
  readonly spec: ContainerSpec
  readonly dependsOn: ReadonlyArray<Dependency>
  readonly pullPolicy: PullPolicy
  /** With `pullPolicy: "periodic"`: re-pull once the last pull of the image is older than this. */
  readonly pullPeriodMs?: number
  /**
   * `x-fleetd.track: digest` (per service or fleet-wide), for an image given by tag: the
   * tag is resolved to its registry's current digest each pass, and the service runs
   * that digest. Absent for images pinned by digest, which are never re-resolved.
   */
  readonly track?: "digest"
  /**
   * `build:`: the image (`spec.image`, the tag) is built from the repository rather than
   * pulled. Its inputs' hash is part of `configHash`.
   */
  readonly build?: BuildSpec
  /**
   * Hash of the normalized spec and the contents of every file it references
   * (env_file, bind-mounted regular files). The image *id* is mixed in by the
   * planner, which is the first place it is known (see specHash.ts).
   */
  readonly configHash: string
  /** Host ports fixed by the spec: a start-first replacement would collide on them. */
  readonly fixedHostPorts: boolean
  /** How replacements roll out; defaultUpdateSettings when unset. */
  readonly update?: UpdateSettings
  /** Steps run around a create or replace (runHooks.ts); absent when there are none. */
  readonly hooks?: ServiceHooks
  /**
   * Where policy-governed items were written in fleet.yaml, keyed `<field>:<item>`
   * (e.g. `cap_add:NET_ADMIN` → services.web.cap_add[0]): the spec sorts them, and a
   * policy violation must still point at the line to edit.
   */
  readonly origins?: Readonly<Record<string, ReadonlyArray<PropertyKey>>>
  /**
   * Set when the operator policy rejects this service (the reason): the planner leaves
   * its containers exactly as they are, neither creating, replacing nor removing them.
   */
  readonly blocked?: string
  /**
   * `x-fleetd.suspend` (the reason; `true` gives a default one): the planner leaves the
   * service's containers exactly as they are. Not part of any hash: suspending and
   * resuming must not replace anything.
   */
  readonly suspended?: string
  /**
   * `x-fleetd.self: true`: this service runs fleetd itself, so a replacement is a
   * handover (handover.ts). Not part of any hash: marking it must not replace it.
   */
  readonly self?: true
  /**
   * More ownership labels for its containers (projects mode: `fleetd.project`,
   * `fleetd.project-source`). Not part of any hash: they say who owns, not what runs.
   */
  readonly ownerLabels?: Readonly<Record<string, string>>
  /** The swarm target only: `deploy:` as Swarm reads it (the ServiceSpec is built from both). */
  readonly swarm?: SwarmDeploy
}

export interface DesiredNetwork {
  /** Key in fleet.yaml. */
  readonly key: string
  /** Engine-side name: `<fleet>_<key>`, or the `name:` given in fleet.yaml. */
  readonly name: string
  readonly driver: string
  readonly internal: boolean
  readonly labels: Readonly<Record<string, string>>
  readonly external: boolean
  // Set only when fleet.yaml gives them, so networks made before they existed keep their hash.
  readonly ipam?: NetworkIpam
  readonly attachable?: boolean
  readonly enableIpv6?: boolean
  readonly driverOpts?: Readonly<Record<string, string>>
}

/** Compose `ipam`, as the Engine API's IPAM object wants it. */
export interface NetworkIpam {
  readonly driver?: string
  readonly config: ReadonlyArray<{
    readonly subnet?: string
    readonly ipRange?: string
    readonly gateway?: string
    readonly auxAddresses?: Readonly<Record<string, string>>
  }>
  readonly options?: Readonly<Record<string, string>>
}

export interface DesiredVolume {
  readonly key: string
  readonly name: string
  readonly driver: string
  /** Only when given: `type: none, o: bind, device: /x` binds a host path (policy-governed). */
  readonly driverOpts?: Readonly<Record<string, string>>
  readonly labels: Readonly<Record<string, string>>
  readonly external: boolean
}

/** Everything fleet.yaml asks for, normalized. Services are sorted by name. */
export interface DesiredState {
  readonly fleet: string
  readonly services: ReadonlyArray<DesiredService>
  readonly networks: ReadonlyArray<DesiredNetwork>
  readonly volumes: ReadonlyArray<DesiredVolume>
  /** `x-fleetd.prune_volumes`: volumes that leave the manifest are removed, not kept. */
  readonly pruneVolumes?: boolean
  /** `swarm` (`--swarm`): services are meant to become Swarm services (docs/swarm.md). */
  readonly target?: "swarm"
}
