/**
 * What a container really runs with, read back from `inspect`, in a form two tools'
 * containers can be compared in: the fields the Compose fidelity suite checks, with the
 * names that differ by construction (project vs fleet prefix, container ids, ownership
 * labels) replaced, and every list without a meaningful order sorted.
 */
import type Docker from "dockerode"

export type EffectiveConfig = Readonly<Record<string, unknown>>

/** Labels each tool adds to say who owns a container: not part of the service's config. */
const ownershipLabel = (key: string) => key.startsWith("com.docker.compose.") || key.startsWith("fleetd.")

const sortedObject = (value: Record<string, unknown> | null | undefined) =>
  Object.fromEntries(Object.entries(value ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

/** `null`, `[]` and `{}` mean "not set" alike; engines answer with any of them. */
const unset = (value: unknown): unknown =>
  value === null ||
  value === undefined ||
  value === "" ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0)
    ? undefined
    : value

/**
 * `names` maps what differs by construction to a placeholder, in every string: the
 * project (compose) or fleet (fleetd) name to `<project>` so `cf1_default` and
 * `ff1_default` compare equal, and each tool's own host ports. The container's short
 * id (Podman puts it in HOSTNAME; compose 1.29 and Podman make it an alias) reads `<id>`.
 */
export const effectiveConfig = async (
  docker: Docker,
  container: string,
  names: Readonly<Record<string, string>>,
): Promise<EffectiveConfig> => {
  const info = (await docker.getContainer(container).inspect()) as unknown as InspectInfo
  const id = info.Id.slice(0, 12)
  const replacements = [...Object.entries(names), [info.Id, "<id>"], [id, "<id>"]] as const
  const rename = (s: string) => replacements.reduce((out, [from, to]) => out.split(from).join(to), s)
  const deep = (value: unknown): unknown =>
    typeof value === "string"
      ? rename(value)
      : Array.isArray(value)
        ? value.map(deep)
        : value !== null && typeof value === "object"
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), deep(v)]))
          : value
  const c = info.Config
  const h = info.HostConfig
  const fields: Record<string, unknown> = {
    Cmd: c.Cmd,
    Entrypoint: c.Entrypoint,
    Env: [...(c.Env ?? [])].sort(),
    User: c.User,
    WorkingDir: c.WorkingDir,
    Labels: sortedObject(
      Object.fromEntries(Object.entries(c.Labels ?? {}).filter(([k]) => !ownershipLabel(k))),
    ),
    ExposedPorts: Object.keys(c.ExposedPorts ?? {}).sort(),
    Healthcheck: c.Healthcheck,
    Tty: c.Tty,
    OpenStdin: c.OpenStdin,
    StopSignal: c.StopSignal,
    Domainname: c.Domainname,
    PortBindings: sortedObject(
      Object.fromEntries(
        Object.entries(h.PortBindings ?? {}).map(([port, bindings]) => [
          port,
          (bindings ?? []).map((b) => `${b.HostIp ?? ""}:${b.HostPort ?? ""}`).sort(),
        ]),
      ),
    ),
    Mounts: [...(info.Mounts ?? [])]
      .map((m) => ({
        Type: m.Type,
        Source: m.Type === "volume" ? (m.Name ?? "") : m.Source,
        Destination: m.Destination,
        RW: m.RW,
      }))
      .sort((a, b) => (a.Destination < b.Destination ? -1 : 1)),
    Tmpfs: sortedObject(h.Tmpfs),
    // The Engine API reads an empty policy name as "no" (compose 1.29 sends "" when unset).
    RestartPolicy: `${h.RestartPolicy?.Name || "no"}:${h.RestartPolicy?.MaximumRetryCount ?? 0}`,
    NetworkMode: h.NetworkMode,
    Memory: h.Memory,
    MemoryReservation: h.MemoryReservation,
    MemorySwap: h.MemorySwap,
    NanoCpus: h.NanoCpus,
    CpuShares: h.CpuShares,
    CpuQuota: h.CpuQuota,
    CpuPeriod: h.CpuPeriod,
    CpusetCpus: h.CpusetCpus,
    PidsLimit: h.PidsLimit,
    ShmSize: h.ShmSize,
    Ulimits: [...(h.Ulimits ?? [])].sort((a, b) => (a.Name < b.Name ? -1 : 1)),
    Dns: h.Dns,
    DnsSearch: h.DnsSearch,
    DnsOptions: h.DnsOptions,
    LogConfig: h.LogConfig,
    CapAdd: [...(h.CapAdd ?? [])].sort(),
    CapDrop: [...(h.CapDrop ?? [])].sort(),
    ExtraHosts: [...(h.ExtraHosts ?? [])].sort(),
    SecurityOpt: [...(h.SecurityOpt ?? [])].sort(),
    Sysctls: sortedObject(h.Sysctls),
    Init: h.Init,
    ReadonlyRootfs: h.ReadonlyRootfs,
    Privileged: h.Privileged,
    GroupAdd: h.GroupAdd,
    OomScoreAdj: h.OomScoreAdj,
    Networks: sortedObject(
      Object.fromEntries(
        Object.entries(info.NetworkSettings?.Networks ?? {}).map(([name, n]) => [
          name,
          // Compose 1.29 and Podman add the container's short id as an alias (`<id>` here).
          [...new Set((n.Aliases ?? []).map(rename))].sort(),
        ]),
      ),
    ),
  }
  return Object.fromEntries(
    Object.entries(deep(fields) as Record<string, unknown>).flatMap(([k, v]) => {
      const value = unset(v)
      return value === undefined ? [] : [[k, value]]
    }),
  )
}

/** The parts of `docker inspect` read here (dockerode's own type is looser than the API). */
interface InspectInfo {
  readonly Id: string
  readonly Config: {
    readonly Cmd?: Array<string> | null
    readonly Entrypoint?: Array<string> | string | null
    readonly Env?: Array<string> | null
    readonly User?: string
    readonly WorkingDir?: string
    readonly Labels?: Record<string, string> | null
    readonly ExposedPorts?: Record<string, unknown> | null
    readonly Healthcheck?: unknown
    readonly Tty?: boolean
    readonly OpenStdin?: boolean
    readonly StopSignal?: string
    readonly Domainname?: string
  }
  readonly HostConfig: {
    readonly PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null
    readonly Tmpfs?: Record<string, string> | null
    readonly RestartPolicy?: { Name?: string; MaximumRetryCount?: number }
    readonly NetworkMode?: string
    readonly Memory?: number
    readonly MemoryReservation?: number
    readonly MemorySwap?: number
    readonly NanoCpus?: number
    readonly CpuShares?: number
    readonly CpuQuota?: number
    readonly CpuPeriod?: number
    readonly CpusetCpus?: string
    readonly PidsLimit?: number | null
    readonly ShmSize?: number
    readonly Ulimits?: Array<{ Name: string; Soft: number; Hard: number }> | null
    readonly Dns?: Array<string> | null
    readonly DnsSearch?: Array<string> | null
    readonly DnsOptions?: Array<string> | null
    readonly LogConfig?: { Type?: string; Config?: Record<string, string> }
    readonly CapAdd?: Array<string> | null
    readonly CapDrop?: Array<string> | null
    readonly ExtraHosts?: Array<string> | null
    readonly SecurityOpt?: Array<string> | null
    readonly Sysctls?: Record<string, string> | null
    readonly Init?: boolean | null
    readonly ReadonlyRootfs?: boolean
    readonly Privileged?: boolean
    readonly GroupAdd?: Array<string> | null
    readonly OomScoreAdj?: number
  }
  readonly Mounts?: Array<{
    readonly Type: string
    readonly Name?: string
    readonly Source: string
    readonly Destination: string
    readonly RW: boolean
  }>
  readonly NetworkSettings?: { readonly Networks?: Record<string, { Aliases?: Array<string> | null }> }
}
