/**
 * A desired service on the swarm target → the Engine API's ServiceSpec (POST
 * /services/create, /services/{id}/update), as `docker stack deploy` builds it
 * (docker/cli cli/compose/convert/service.go): entrypoint is ContainerSpec.Command and
 * command its Args, `deploy.labels` label the service and `labels` its containers,
 * every network attachment carries the service's name as an alias, and an update_config
 * without parallelism updates one task at a time. Pure: the fields checkSwarmFields.ts
 * refuses never reach here.
 *
 * fleetd's ownership labels go on the service only, never on its task containers: a
 * single-engine fleetd observing the same engine must not mistake them for its own.
 */
import type { ContainerSpec, Mount } from "../../domain/ContainerSpec.ts"
import type { DesiredService } from "../../domain/DesiredState.ts"
import type { FileGrant } from "../../domain/FileGrant.ts"
import { Labels } from "../../domain/labels.ts"
import type { SwarmDeploy, SwarmUpdateConfig } from "../../domain/SwarmDeploy.ts"
import { canonicalJson, sha256Hex } from "../../domain/specHash.ts"
import { parseByteSize } from "../../manifest/compose/byteSize.ts"
import { objectKey, objectReference } from "./swarmObjects.ts"

/** The part of the Engine API's ServiceSpec fleetd writes (Engine API 1.41). */
export interface ServiceSpec {
  readonly Name: string
  readonly Labels: Record<string, string>
  readonly TaskTemplate: {
    readonly ContainerSpec: Record<string, unknown>
    readonly Resources?: {
      readonly Limits?: { NanoCPUs?: number; MemoryBytes?: number; Pids?: number }
      readonly Reservations?: { NanoCPUs?: number; MemoryBytes?: number }
    }
    readonly RestartPolicy?: { Condition: string; Delay?: number; MaxAttempts?: number; Window?: number }
    readonly Placement?: {
      Constraints?: Array<string>
      Preferences?: Array<{ Spread: { SpreadDescriptor: string } }>
      MaxReplicas?: number
    }
    readonly Networks?: Array<{ Target: string; Aliases: Array<string> }>
    readonly LogDriver?: { Name: string; Options: Record<string, string> }
  }
  readonly Mode: { Replicated: { Replicas: number } } | { Global: Record<string, never> }
  readonly UpdateConfig?: UpdateConfigBody
  readonly RollbackConfig?: UpdateConfigBody
  readonly EndpointSpec: {
    readonly Mode: "vip" | "dnsrr"
    readonly Ports?: Array<{
      Protocol: string
      TargetPort: number
      PublishedPort?: number
      PublishMode: string
    }>
  }
}

interface UpdateConfigBody {
  Parallelism: number
  Delay?: number
  FailureAction?: string
  Monitor?: number
  MaxFailureRatio?: number
  Order?: string
}

/** The Swarm service's name: `<fleet>_<service>`, as docker stack deploy names it. */
export const swarmServiceName = (fleet: string, service: string): string => `${fleet}_${service}`

/** Keys whose value may be undefined become optional, as JSON leaves them out. */
type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>
}

const compact = <T extends Record<string, unknown>>(o: T): Compact<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Compact<T>

const updateBody = (c: SwarmUpdateConfig): UpdateConfigBody =>
  compact({
    // The Engine API's 0 means "all at once"; compose's default is one at a time.
    Parallelism: c.parallelism ?? 1,
    Delay: c.delayNs,
    FailureAction: c.failureAction,
    Monitor: c.monitorNs,
    MaxFailureRatio: c.maxFailureRatio,
    Order: c.order,
  })

const mountBody = (m: Mount): Record<string, unknown> =>
  m.type === "bind"
    ? compact({
        Type: "bind",
        Source: m.source,
        Target: m.target,
        ReadOnly: m.readOnly,
        BindOptions: m.propagation === undefined ? undefined : { Propagation: m.propagation },
      })
    : compact({
        Type: "volume",
        Source: m.type === "volume" ? m.source : undefined,
        Target: m.target,
        ReadOnly: m.readOnly,
        VolumeOptions:
          m.noCopy === undefined && m.subpath === undefined
            ? undefined
            : compact({ NoCopy: m.noCopy, Subpath: m.subpath }),
      })

/** `size=64m,mode=1777` (what normalizeService keeps of a tmpfs entry) → TmpfsOptions. */
const tmpfsBody = (target: string, options: string): Record<string, unknown> => {
  const opts = new Map(
    options
      .split(",")
      .filter((o) => o.includes("="))
      .map((o) => [o.slice(0, o.indexOf("=")), o.slice(o.indexOf("=") + 1)] as const),
  )
  const size = opts.get("size")
  const mode = opts.get("mode")
  const tmpfs = compact({
    SizeBytes: size === undefined ? undefined : parseByteSize(size),
    Mode: mode === undefined ? undefined : Number.parseInt(mode, 8),
  })
  return compact({
    Type: "tmpfs",
    Target: target,
    TmpfsOptions: Object.keys(tmpfs).length === 0 ? undefined : tmpfs,
  })
}

/** Secret or config references, by the content-hashed names the caller resolved (swarmObjects.ts). */
const references = (
  kind: "secret" | "config",
  grants: ReadonlyArray<FileGrant> | undefined,
  names: ReadonlyMap<string, string>,
) =>
  grants === undefined || grants.length === 0
    ? undefined
    : grants.map((g) => objectReference(kind, g, names.get(objectKey(kind, g.source)) ?? g.source))

const containerSpec = (spec: ContainerSpec, names: ReadonlyMap<string, string>): Record<string, unknown> => {
  const hc = spec.healthcheck
  const dns =
    spec.dns === undefined && spec.dnsSearch === undefined && spec.dnsOptions === undefined
      ? undefined
      : compact({ Nameservers: spec.dns, Search: spec.dnsSearch, Options: spec.dnsOptions })
  const mounts = [
    ...spec.mounts.map(mountBody),
    ...Object.entries(spec.tmpfs).map(([target, options]) => tmpfsBody(target, options)),
  ].sort((a, b) => (String(a["Target"]) < String(b["Target"]) ? -1 : 1))
  return compact({
    Image: spec.image,
    Labels: { ...spec.labels },
    Command: spec.entrypoint === undefined ? undefined : [...spec.entrypoint],
    Args: spec.command === undefined ? undefined : [...spec.command],
    Hostname: spec.hostname,
    Env: [...spec.env],
    Dir: spec.workingDir,
    User: spec.user,
    Groups: spec.groupAdd === undefined ? undefined : [...spec.groupAdd],
    TTY: spec.tty,
    OpenStdin: spec.stdinOpen,
    ReadOnly: spec.readOnly || undefined,
    Mounts: mounts.length === 0 ? undefined : mounts,
    StopSignal: spec.stopSignal,
    StopGracePeriod:
      spec.stopGracePeriodSeconds === undefined ? undefined : spec.stopGracePeriodSeconds * 1e9,
    HealthCheck:
      hc === undefined
        ? undefined
        : compact({
            Test: [...hc.test],
            Interval: hc.intervalNs,
            Timeout: hc.timeoutNs,
            StartPeriod: hc.startPeriodNs,
            Retries: hc.retries,
          }),
    // Swarm writes /etc/hosts lines: "IP host", where compose writes host:IP.
    Hosts:
      spec.extraHosts.length === 0
        ? undefined
        : spec.extraHosts.map((h) => `${h.slice(h.indexOf(":") + 1)} ${h.slice(0, h.indexOf(":"))}`),
    DNSConfig: dns,
    Init: spec.init || undefined,
    Sysctls: spec.sysctls === undefined ? undefined : { ...spec.sysctls },
    CapabilityAdd: spec.capAdd?.map((c) => (c === "ALL" ? c : `CAP_${c}`)),
    CapabilityDrop: spec.capDrop?.map((c) => (c === "ALL" ? c : `CAP_${c}`)),
    Ulimits: spec.ulimits?.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
    Secrets: references("secret", spec.secrets, names),
    Configs: references("config", spec.configs, names),
  })
}

const resources = (spec: ContainerSpec, deploy: SwarmDeploy): ServiceSpec["TaskTemplate"]["Resources"] => {
  const limits = compact({ NanoCPUs: spec.nanoCpus, MemoryBytes: spec.memLimitBytes, Pids: spec.pidsLimit })
  const reservations = compact({ NanoCPUs: deploy.reservedNanoCpus, MemoryBytes: spec.memReservationBytes })
  const has = (o: object) => Object.keys(o).length > 0
  return has(limits) || has(reservations)
    ? compact({
        Limits: has(limits) ? limits : undefined,
        Reservations: has(reservations) ? reservations : undefined,
      })
    : undefined
}

/**
 * The ServiceSpec and its hash: the canonical JSON of everything fleetd writes except
 * the hash label itself, so any change to the file (or to fleetd's mapping) is drift.
 */
export const toServiceSpec = (
  fleet: string,
  service: DesiredService,
  /** `secret:<key>`/`config:<key>` → the content-hashed Swarm name (swarmObjects.ts). */
  objectNames: ReadonlyMap<string, string> = new Map(),
): { readonly spec: ServiceSpec; readonly hash: string } => {
  const spec = service.spec
  const deploy: SwarmDeploy = service.swarm ?? { mode: "replicated", constraints: [], spread: [], labels: {} }
  const r = deploy.restart
  const placement = compact({
    Constraints: deploy.constraints.length === 0 ? undefined : [...deploy.constraints],
    Preferences:
      deploy.spread.length === 0
        ? undefined
        : deploy.spread.map((s) => ({ Spread: { SpreadDescriptor: s } })),
    MaxReplicas: deploy.maxReplicasPerNode,
  })
  // `network_mode: host` reaches here only on a global service (checkSwarmFields.ts): Swarm's `host` network.
  const networks =
    spec.networkMode === "host"
      ? [{ Target: "host", Aliases: [] }]
      : spec.networks.map((n) => ({ Target: n.name, Aliases: [...n.aliases] }))
  const ports = spec.ports.map((p) =>
    compact({
      Protocol: p.protocol,
      TargetPort: p.target,
      PublishedPort: p.published,
      PublishMode: p.mode ?? "ingress",
    }),
  )
  const unhashed: ServiceSpec = compact({
    Name: swarmServiceName(fleet, service.name),
    Labels: {
      ...deploy.labels,
      ...service.ownerLabels,
      [Labels.fleet]: fleet,
      [Labels.service]: service.name,
    },
    TaskTemplate: compact({
      ContainerSpec: containerSpec(spec, objectNames),
      Resources: resources(spec, deploy),
      RestartPolicy:
        r === undefined
          ? undefined
          : compact({
              Condition: r.condition,
              Delay: r.delayNs,
              MaxAttempts: r.maxAttempts,
              Window: r.windowNs,
            }),
      Placement: Object.keys(placement).length === 0 ? undefined : placement,
      Networks: networks.length === 0 ? undefined : networks,
      LogDriver:
        spec.logging?.driver === undefined
          ? undefined
          : { Name: spec.logging.driver, Options: { ...spec.logging.options } },
    }),
    Mode: deploy.mode === "global" ? { Global: {} } : { Replicated: { Replicas: deploy.replicas ?? 1 } },
    UpdateConfig: deploy.update === undefined ? undefined : updateBody(deploy.update),
    RollbackConfig: deploy.rollback === undefined ? undefined : updateBody(deploy.rollback),
    EndpointSpec: compact({
      Mode: deploy.endpointMode ?? "vip",
      Ports: ports.length === 0 ? undefined : ports,
    }),
  })
  const hash = sha256Hex(canonicalJson(unhashed))
  const taskHash = sha256Hex(canonicalJson([unhashed.TaskTemplate, unhashed.EndpointSpec])).slice(0, 16)
  return {
    spec: {
      ...unhashed,
      Labels: { ...unhashed.Labels, [Labels.specHash]: hash, [Labels.taskHash]: taskHash },
    },
    hash,
  }
}
