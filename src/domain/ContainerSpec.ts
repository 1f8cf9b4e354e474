/**
 * The engine-neutral description of one container, as fleetd will create it.
 *
 * It is what a service block of fleet.yaml becomes once interpolated, defaulted and
 * normalized: every list that has no meaningful order is sorted, every duration is in
 * nanoseconds and every size in bytes, so that two manifests meaning the same thing
 * give byte-identical specs (and so the same spec hash). Only `engine/` turns it into
 * an Engine API request body.
 */
import type { FileGrant } from "./FileGrant.ts"

export interface PortBinding {
  readonly target: number
  readonly protocol: "tcp" | "udp" | "sctp"
  /** Host port; undefined lets the engine pick an ephemeral one. */
  readonly published?: number
  /** Host address to bind; undefined means all addresses. */
  readonly hostIp?: string
  /** Compose `mode: host` (long syntax): Swarm publishes on the task's node rather than ingress. */
  readonly mode?: "host"
}

export type Mount =
  | ({
      readonly type: "bind"
      /** Real path on the host (symlinks resolved when it exists). */
      readonly source: string
      readonly target: string
      readonly readOnly: boolean
      /** An absolute host path as written (normalized), for the operator policy; unset for repository paths. */
      readonly hostPath?: string
    } & MountOptions)
  | ({
      readonly type: "volume"
      readonly source: string
      readonly target: string
      readonly readOnly: boolean
    } & MountOptions)
  | ({ readonly type: "anonymous"; readonly target: string; readonly readOnly: boolean } & MountOptions)

/** Volume options (normalizeVolumeOptions.ts); each set only when written, so older specs hash the same. */
export interface MountOptions {
  /** Bind propagation: rprivate, shared, ... */
  readonly propagation?: string
  /** SELinux relabel: `z` shared, `Z` private (only the legacy Binds form carries it). */
  readonly selinux?: "z" | "Z"
  /** Volumes: do not copy the image's content into an empty volume. */
  readonly noCopy?: true
  /** Volumes: mount this path inside the volume (Engine API 1.45). */
  readonly subpath?: string
}

export interface Device {
  readonly host: string
  readonly container: string
  /** Cgroup permissions, e.g. `rwm`. */
  readonly permissions: string
}

export interface Healthcheck {
  /** Engine form: ["NONE"], ["CMD", ...] or ["CMD-SHELL", "..."]. */
  readonly test: ReadonlyArray<string>
  readonly intervalNs?: number
  readonly timeoutNs?: number
  readonly startPeriodNs?: number
  /** Engine API 1.44+; older engines get the spec without it (and a warning). */
  readonly startIntervalNs?: number
  readonly retries?: number
}

export interface Ulimit {
  readonly name: string
  readonly soft: number
  readonly hard: number
}

/** A `gpus` or `deploy.resources.reservations.devices` entry, as the Engine API takes it. */
export interface DeviceRequest {
  readonly driver?: string
  /** -1 for all. */
  readonly count?: number
  readonly deviceIds?: ReadonlyArray<string>
  readonly capabilities: ReadonlyArray<ReadonlyArray<string>>
  readonly options?: Readonly<Record<string, string>>
}

export interface NetworkAttachment {
  /** Engine-side network name (already prefixed with the fleet name when managed). */
  readonly name: string
  readonly aliases: ReadonlyArray<string>
  // Set only when the manifest gives them (see normalizeNetworking.ts), so older specs hash the same.
  readonly ipv4Address?: string
  readonly ipv6Address?: string
  readonly linkLocalIps?: ReadonlyArray<string>
  readonly macAddress?: string
  /** Compose `priority`: networks are joined highest first (ties by name); the first is the primary. */
  readonly priority?: number
}

/** `links: [service:alias]`: the linked container answers to `alias` for this container only. */
export interface Link {
  readonly service: string
  /** Engine-side container name of the service. */
  readonly container: string
  readonly alias: string
}

/** Compose `logging`: HostConfig.LogConfig. */
export interface LogConfig {
  /** Unset: the engine's default driver. */
  readonly driver?: string
  readonly options: Readonly<Record<string, string>>
}

export type RestartPolicy = "no" | "always" | "on-failure" | "unless-stopped"

export interface ContainerSpec {
  readonly image: string
  readonly command?: ReadonlyArray<string>
  readonly entrypoint?: ReadonlyArray<string>
  /** `KEY=value`, sorted by key; env_file entries already merged under `environment`. */
  readonly env: ReadonlyArray<string>
  readonly ports: ReadonlyArray<PortBinding>
  readonly mounts: ReadonlyArray<Mount>
  /** Sorted by priority (highest first), then name; empty when `networkMode` is set. */
  readonly networks: ReadonlyArray<NetworkAttachment>
  /**
   * `host`, `none`, `bridge`, `service:<name>` resolved to `container:<fleet>-<name>`, or
   * `container:<name>` as written (a container fleetd does not manage: policy-denied).
   */
  readonly networkMode?: string
  /** User labels only; fleetd's own `fleetd.*` labels are added by the applier. */
  readonly labels: Readonly<Record<string, string>>
  readonly restart: RestartPolicy
  readonly restartMaxRetries?: number
  readonly user?: string
  readonly workingDir?: string
  readonly hostname?: string
  readonly healthcheck?: Healthcheck
  readonly stopSignal?: string
  readonly stopGracePeriodSeconds?: number
  readonly readOnly: boolean
  /** Mount point → options string (may be ""). */
  readonly tmpfs: Readonly<Record<string, string>>
  readonly init: boolean
  readonly memLimitBytes?: number
  readonly nanoCpus?: number
  /** `host:ip`, sorted. */
  readonly extraHosts: ReadonlyArray<string>
  // The fields below are what the operator policy governs (src/policy). Each is set only
  // when the manifest asks for it, so specs written before they existed hash the same.
  readonly privileged?: true
  readonly pidMode?: "host"
  readonly ipcMode?: string
  readonly utsMode?: "host"
  readonly usernsMode?: "host"
  /** Sources of `volumes_from`, in manifest order (the engine applies them in order). */
  readonly volumesFrom?: ReadonlyArray<VolumesFromEntry>
  /** Upper case, without the `CAP_` prefix, sorted. */
  readonly capAdd?: ReadonlyArray<string>
  readonly capDrop?: ReadonlyArray<string>
  /** Sorted by container path. */
  readonly devices?: ReadonlyArray<Device>
  /** As written, sorted. */
  readonly securityOpt?: ReadonlyArray<string>
  readonly sysctls?: Readonly<Record<string, string>>
  /** Policy-governed too (allow.runtimes, allow.device_requests, allow.device_cgroup_rules). */
  readonly runtime?: string
  /** In manifest order: `gpus` first, then deploy reservations (as Compose sends them). */
  readonly deviceRequests?: ReadonlyArray<DeviceRequest>
  /** As written, whitespace collapsed. */
  readonly deviceCgroupRules?: ReadonlyArray<string>
  // Resource and runtime fields (normalizeResources.ts), each set only when the
  // manifest asks for it so that older specs hash the same.
  /** Sorted by name. */
  readonly ulimits?: ReadonlyArray<Ulimit>
  readonly pidsLimit?: number
  readonly shmSizeBytes?: number
  readonly memReservationBytes?: number
  /** Memory plus swap; -1 is unlimited swap. */
  readonly memSwapBytes?: number
  readonly memSwappiness?: number
  readonly cpuShares?: number
  readonly cpusetCpus?: string
  readonly cpuQuota?: number
  readonly cpuPeriod?: number
  readonly cpuCount?: number
  readonly cpuPercent?: number
  readonly oomScoreAdj?: number
  readonly oomKillDisable?: true
  /** Names or numbers as strings, in manifest order. */
  readonly groupAdd?: ReadonlyArray<string>
  /** `os/arch[/variant]`: the create call's `platform` query parameter. */
  readonly platform?: string
  /** Compose `secrets` and `configs` (FileGrant.ts), sorted by target; set only when used. */
  readonly secrets?: ReadonlyArray<FileGrant>
  readonly configs?: ReadonlyArray<FileGrant>
  // Networking and container I/O (normalizeNetworking.ts); each set only when the manifest asks.
  /** `expose`: `port/proto`, ranges expanded, sorted by port; merged with `ports` into ExposedPorts. */
  readonly expose?: ReadonlyArray<string>
  readonly links?: ReadonlyArray<Link>
  /** In manifest order: resolvers are tried in order. */
  readonly dns?: ReadonlyArray<string>
  readonly dnsSearch?: ReadonlyArray<string>
  readonly dnsOptions?: ReadonlyArray<string>
  readonly macAddress?: string
  readonly domainname?: string
  readonly stdinOpen?: true
  readonly tty?: true
  readonly logging?: LogConfig
  readonly annotations?: Readonly<Record<string, string>>
  // The remaining Compose fields (normalizeOther.ts); each set only when the manifest asks.
  readonly blkio?: Blkio
  /** `cgroup`: the cgroup namespace; host is policy-governed (host_namespaces: cgroup). */
  readonly cgroupnsMode?: "host" | "private"
  /** Policy-governed (allow.cgroup_parent). */
  readonly cgroupParent?: string
  readonly storageOpt?: Readonly<Record<string, string>>
  /** Microseconds. */
  readonly cpuRtPeriod?: number
  readonly cpuRtRuntime?: number
}

/** `blkio_config`; each list in manifest order, each part set only when written. */
export interface Blkio {
  readonly weight?: number
  readonly weightDevice?: ReadonlyArray<{ readonly path: string; readonly weight: number }>
  readonly deviceReadBps?: ReadonlyArray<BlkioRate>
  readonly deviceWriteBps?: ReadonlyArray<BlkioRate>
  readonly deviceReadIOps?: ReadonlyArray<BlkioRate>
  readonly deviceWriteIOps?: ReadonlyArray<BlkioRate>
}

export interface BlkioRate {
  readonly path: string
  readonly rate: number
}

export interface VolumesFromEntry {
  /** Engine-side container name. */
  readonly container: string
  readonly readOnly: boolean
  /** False for `container:<name>`: a container fleetd does not manage. */
  readonly managed: boolean
}
