import type { ContainerSpec } from "../domain/ContainerSpec.ts"

/** The HostConfig fields of the resource and runtime settings (normalizeResources.ts). */
export interface ResourcesHostConfig {
  readonly Ulimits?: Array<{ readonly Name: string; readonly Soft: number; readonly Hard: number }>
  readonly PidsLimit?: number
  readonly ShmSize?: number
  readonly MemoryReservation?: number
  readonly MemorySwap?: number
  readonly MemorySwappiness?: number
  readonly CpuShares?: number
  readonly CpusetCpus?: string
  readonly CpuQuota?: number
  readonly CpuPeriod?: number
  readonly CpuCount?: number
  readonly CpuPercent?: number
  readonly OomScoreAdj?: number
  readonly OomKillDisable?: boolean
  readonly GroupAdd?: Array<string>
  readonly Runtime?: string
  readonly DeviceRequests?: Array<{
    readonly Driver: string
    readonly Count: number
    readonly DeviceIDs: Array<string> | null
    readonly Capabilities: Array<Array<string>>
    readonly Options: Record<string, string> | null
  }>
  readonly DeviceCgroupRules?: Array<string>
}

const field = <K extends keyof ResourcesHostConfig>(key: K, value: ResourcesHostConfig[K] | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<ResourcesHostConfig>

/** Pure: only the fields the spec sets, so a service without them sends the body it always did. */
export const resourcesHostConfig = (spec: ContainerSpec): ResourcesHostConfig => ({
  ...field(
    "Ulimits",
    spec.ulimits?.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })),
  ),
  ...field("PidsLimit", spec.pidsLimit),
  ...field("ShmSize", spec.shmSizeBytes),
  ...field("MemoryReservation", spec.memReservationBytes),
  ...field("MemorySwap", spec.memSwapBytes),
  ...field("MemorySwappiness", spec.memSwappiness),
  ...field("CpuShares", spec.cpuShares),
  ...field("CpusetCpus", spec.cpusetCpus),
  ...field("CpuQuota", spec.cpuQuota),
  ...field("CpuPeriod", spec.cpuPeriod),
  ...field("CpuCount", spec.cpuCount),
  ...field("CpuPercent", spec.cpuPercent),
  ...field("OomScoreAdj", spec.oomScoreAdj),
  ...field("OomKillDisable", spec.oomKillDisable),
  ...field("GroupAdd", spec.groupAdd === undefined ? undefined : [...spec.groupAdd]),
  ...field("Runtime", spec.runtime),
  // Shaped as the Go client marshals a DeviceRequest: every key present.
  ...field(
    "DeviceRequests",
    spec.deviceRequests?.map((d) => ({
      Driver: d.driver ?? "",
      Count: d.count ?? 0,
      DeviceIDs: d.deviceIds === undefined ? null : [...d.deviceIds],
      Capabilities: d.capabilities.map((c) => [...c]),
      Options: d.options === undefined ? null : { ...d.options },
    })),
  ),
  ...field(
    "DeviceCgroupRules",
    spec.deviceCgroupRules === undefined ? undefined : [...spec.deviceCgroupRules],
  ),
})
