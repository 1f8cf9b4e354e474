import type { ContainerSpec } from "../domain/ContainerSpec.ts"
import { engineGaps, startIntervalApi } from "./engineGaps.ts"
import { type MountBody, mountsBody } from "./mountsBody.ts"
import { compareApiVersions } from "./negotiateApiVersion.ts"
import { defaultTarget, type EndpointConfig, type EngineTarget, networkingBody } from "./networkingBody.ts"
import { type OtherHostConfig, otherHostConfig } from "./otherBody.ts"
import { type ResourcesHostConfig, resourcesHostConfig } from "./resourcesBody.ts"

/**
 * The subset of the Engine API `POST /containers/create` body fleetd sends, written
 * against API 1.41 (dockerd 20.10, Podman 4.x) and valid on every later version.
 */
export interface CreateBody extends NetworkingFields {
  readonly Image: string
  readonly Cmd?: Array<string>
  readonly Entrypoint?: Array<string>
  readonly Env: Array<string>
  readonly Labels: Record<string, string>
  readonly ExposedPorts: Record<string, Record<string, never>>
  readonly User?: string
  readonly WorkingDir?: string
  readonly Hostname?: string
  readonly Healthcheck?: {
    readonly Test: Array<string>
    readonly Interval?: number
    readonly Timeout?: number
    readonly StartPeriod?: number
    readonly StartInterval?: number
    readonly Retries?: number
  }
  readonly StopSignal?: string
  readonly StopTimeout?: number
  readonly HostConfig: {
    readonly PortBindings: Record<string, Array<{ readonly HostIp: string; readonly HostPort: string }>>
    readonly Mounts: Array<MountBody>
    /** Only mounts with an SELinux label (`z`, `Z`), which Mounts cannot carry. */
    readonly Binds?: Array<string>
    readonly NetworkMode?: string
    readonly RestartPolicy: { readonly Name: string; readonly MaximumRetryCount: number }
    readonly ReadonlyRootfs: boolean
    readonly Tmpfs: Record<string, string>
    /** Sent only when true: unset lets the engine's own default apply, as Compose leaves it. */
    readonly Init?: boolean
    readonly Memory?: number
    readonly NanoCpus?: number
    readonly ExtraHosts: Array<string>
    readonly Privileged?: boolean
    readonly PidMode?: string
    readonly IpcMode?: string
    readonly UTSMode?: string
    readonly UsernsMode?: string
    readonly VolumesFrom?: Array<string>
    readonly CapAdd?: Array<string>
    readonly CapDrop?: Array<string>
    readonly Devices?: Array<{
      readonly PathOnHost: string
      readonly PathInContainer: string
      readonly CgroupPermissions: string
    }>
    readonly SecurityOpt?: Array<string>
    readonly Sysctls?: Record<string, string>
  } & ResourcesHostConfig &
    OtherHostConfig &
    ReturnType<typeof networkingBody>["hostConfig"]
  readonly NetworkingConfig?: {
    readonly EndpointsConfig: Record<string, EndpointConfig>
  }
}

type NetworkingFields = ReturnType<typeof networkingBody>["config"]

export interface CreatePlan {
  readonly body: CreateBody
  /**
   * Networks to connect after create. API 1.41 accepts only one endpoint in
   * NetworkingConfig (1.44 lifted that), so every network after the first is joined
   * with `POST /networks/{name}/connect` before the container starts.
   */
  readonly connectAfterCreate: ReadonlyArray<{ readonly name: string; readonly endpoint: EndpointConfig }>
  /** Asked for but not done by this engine (logged by the caller). */
  readonly warnings: ReadonlyArray<string>
  /** Asked for and impossible on this engine: the caller must not create the container. */
  readonly errors: ReadonlyArray<string>
  /** Query parameters of the create call (`platform`, API 1.41+). */
  readonly query: { readonly platform?: string }
}

/** Secrets and configs from repository files: read-only binds, as Compose mounts them. */
const grantMounts = (spec: ContainerSpec): CreateBody["HostConfig"]["Mounts"] =>
  [...(spec.secrets ?? []), ...(spec.configs ?? [])].flatMap((g) =>
    g.from.type === "file"
      ? [{ Type: "bind" as const, Source: g.from.path, Target: g.target, ReadOnly: true }]
      : [],
  )

/** The policy-governed fields; the operator policy has already allowed whatever is here. */
const hostAccess = (spec: ContainerSpec): Partial<CreateBody["HostConfig"]> => ({
  ...(spec.privileged === true ? { Privileged: true } : {}),
  ...(spec.pidMode === undefined ? {} : { PidMode: spec.pidMode }),
  ...(spec.ipcMode === undefined ? {} : { IpcMode: spec.ipcMode }),
  ...(spec.utsMode === undefined ? {} : { UTSMode: spec.utsMode }),
  ...(spec.usernsMode === undefined ? {} : { UsernsMode: spec.usernsMode }),
  ...(spec.volumesFrom === undefined
    ? {}
    : { VolumesFrom: spec.volumesFrom.map((v) => (v.readOnly ? `${v.container}:ro` : v.container)) }),
  ...(spec.capAdd === undefined ? {} : { CapAdd: [...spec.capAdd] }),
  ...(spec.capDrop === undefined ? {} : { CapDrop: [...spec.capDrop] }),
  ...(spec.devices === undefined
    ? {}
    : {
        Devices: spec.devices.map((d) => ({
          PathOnHost: d.host,
          PathInContainer: d.container,
          CgroupPermissions: d.permissions,
        })),
      }),
  ...(spec.securityOpt === undefined ? {} : { SecurityOpt: [...spec.securityOpt] }),
  ...(spec.sysctls === undefined ? {} : { Sysctls: { ...spec.sysctls } }),
})

/** Pure: a ContainerSpec plus fleetd's labels → the create body and the networks to join later. */
export const toCreateBody = (
  spec: ContainerSpec,
  fleetdLabels: Readonly<Record<string, string>>,
  engine: EngineTarget = defaultTarget,
): CreatePlan => {
  const exposed: Record<string, Record<string, never>> = {}
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {}
  for (const port of spec.ports) {
    const key = `${port.target}/${port.protocol}`
    exposed[key] = {}
    // A port may be published several times (two host addresses); keep them all.
    const list = bindings[key] ?? []
    list.push({
      HostIp: port.hostIp ?? "",
      HostPort: port.published === undefined ? "" : String(port.published),
    })
    bindings[key] = list
  }
  for (const key of spec.expose ?? []) exposed[key] = {}
  const networking = networkingBody(spec, engine)
  const mounts = mountsBody(spec.mounts, engine)

  const [first, ...rest] = networking.endpoints
  const networkMode = spec.networkMode ?? first?.name
  const hc = spec.healthcheck
  // The moby client refuses StartInterval below 1.44 (engineGaps warns about it).
  const startInterval =
    compareApiVersions(engine.apiVersion, startIntervalApi) >= 0 ? hc?.startIntervalNs : undefined

  const body: CreateBody = {
    Image: spec.image,
    ...(spec.command === undefined ? {} : { Cmd: [...spec.command] }),
    ...(spec.entrypoint === undefined ? {} : { Entrypoint: [...spec.entrypoint] }),
    Env: [...spec.env],
    // fleetd's labels win: the manifest rejects `fleetd.` labels, this is the backstop.
    Labels: { ...spec.labels, ...fleetdLabels },
    ExposedPorts: exposed,
    ...networking.config,
    ...(spec.user === undefined ? {} : { User: spec.user }),
    ...(spec.workingDir === undefined ? {} : { WorkingDir: spec.workingDir }),
    ...(spec.hostname === undefined ? {} : { Hostname: spec.hostname }),
    ...(hc === undefined
      ? {}
      : {
          Healthcheck: {
            Test: [...hc.test],
            ...(hc.intervalNs === undefined ? {} : { Interval: hc.intervalNs }),
            ...(hc.timeoutNs === undefined ? {} : { Timeout: hc.timeoutNs }),
            ...(hc.startPeriodNs === undefined ? {} : { StartPeriod: hc.startPeriodNs }),
            ...(startInterval === undefined ? {} : { StartInterval: startInterval }),
            ...(hc.retries === undefined ? {} : { Retries: hc.retries }),
          },
        }),
    ...(spec.stopSignal === undefined ? {} : { StopSignal: spec.stopSignal }),
    ...(spec.stopGracePeriodSeconds === undefined ? {} : { StopTimeout: spec.stopGracePeriodSeconds }),
    HostConfig: {
      PortBindings: bindings,
      Mounts: [...mounts.mounts, ...grantMounts(spec)],
      ...(mounts.binds.length === 0 ? {} : { Binds: mounts.binds }),
      ...(networkMode === undefined ? {} : { NetworkMode: networkMode }),
      RestartPolicy: {
        Name: spec.restart,
        MaximumRetryCount: spec.restart === "on-failure" ? (spec.restartMaxRetries ?? 0) : 0,
      },
      ReadonlyRootfs: spec.readOnly,
      Tmpfs: { ...spec.tmpfs },
      ...(spec.init ? { Init: true } : {}),
      ...(spec.memLimitBytes === undefined ? {} : { Memory: spec.memLimitBytes }),
      ...(spec.nanoCpus === undefined ? {} : { NanoCpus: spec.nanoCpus }),
      ExtraHosts: [...spec.extraHosts],
      ...hostAccess(spec),
      ...resourcesHostConfig(spec),
      ...otherHostConfig(spec),
      ...networking.hostConfig,
    },
    ...(first === undefined
      ? {}
      : { NetworkingConfig: { EndpointsConfig: { [first.name]: first.endpoint } } }),
  }
  return {
    body,
    connectAfterCreate: rest,
    query: spec.platform === undefined ? {} : { platform: spec.platform },
    warnings: [...networking.warnings, ...engineGaps(spec, engine)],
    errors: [...networking.errors, ...mounts.errors],
  }
}
