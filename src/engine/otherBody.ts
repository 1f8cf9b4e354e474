import type { BlkioRate, ContainerSpec } from "../domain/ContainerSpec.ts"

/** The HostConfig fields of the remaining Compose fields (normalizeOther.ts). */
export interface OtherHostConfig {
  readonly BlkioWeight?: number
  readonly BlkioWeightDevice?: Array<{ readonly Path: string; readonly Weight: number }>
  readonly BlkioDeviceReadBps?: Array<{ readonly Path: string; readonly Rate: number }>
  readonly BlkioDeviceWriteBps?: Array<{ readonly Path: string; readonly Rate: number }>
  readonly BlkioDeviceReadIOps?: Array<{ readonly Path: string; readonly Rate: number }>
  readonly BlkioDeviceWriteIOps?: Array<{ readonly Path: string; readonly Rate: number }>
  readonly CgroupnsMode?: "host" | "private"
  readonly CgroupParent?: string
  readonly StorageOpt?: Record<string, string>
  readonly CPURealtimePeriod?: number
  readonly CPURealtimeRuntime?: number
}

const field = <K extends keyof OtherHostConfig>(key: K, value: OtherHostConfig[K] | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<OtherHostConfig>

const rates = (list: ReadonlyArray<BlkioRate> | undefined) =>
  list?.map((r) => ({ Path: r.path, Rate: r.rate }))

/** Pure: only the fields the spec sets, so a service without them sends the body it always did. */
export const otherHostConfig = (spec: ContainerSpec): OtherHostConfig => ({
  ...field("BlkioWeight", spec.blkio?.weight),
  ...field(
    "BlkioWeightDevice",
    spec.blkio?.weightDevice?.map((w) => ({ Path: w.path, Weight: w.weight })),
  ),
  ...field("BlkioDeviceReadBps", rates(spec.blkio?.deviceReadBps)),
  ...field("BlkioDeviceWriteBps", rates(spec.blkio?.deviceWriteBps)),
  ...field("BlkioDeviceReadIOps", rates(spec.blkio?.deviceReadIOps)),
  ...field("BlkioDeviceWriteIOps", rates(spec.blkio?.deviceWriteIOps)),
  ...field("CgroupnsMode", spec.cgroupnsMode),
  ...field("CgroupParent", spec.cgroupParent),
  ...field("StorageOpt", spec.storageOpt === undefined ? undefined : { ...spec.storageOpt }),
  ...field("CPURealtimePeriod", spec.cpuRtPeriod),
  ...field("CPURealtimeRuntime", spec.cpuRtRuntime),
})
