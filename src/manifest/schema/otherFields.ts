/**
 * The remaining Compose Specification service fields (blkio, cgroups, storage options,
 * real-time CPU, and the fields that only mean something to `compose up`, Windows or
 * Docker Desktop), spread into Manifest.ts's Service struct. Fields fleetd refuses are
 * still declared here so normalizeOther.ts can say why, instead of "unknown field".
 */
import { Schema } from "effect"
import { parseByteSize } from "../compose/byteSize.ts"
import { durationHint, parseDuration } from "../compose/duration.ts"
import { IntLike } from "./resourceFields.ts"

const opt = Schema.optionalKey

/** A field only to say why it is refused (normalizeOther.ts). */
const refused = (why: string) => opt(Schema.Unknown.annotate({ description: `Refused: ${why}` }))

const DevicePath = Schema.String.annotate({ description: "Host block device, e.g. /dev/sda" })

/** A rate in bytes per second: a number or a size such as 10mb. */
const ByteRate = Schema.Union([Schema.Int, Schema.String])
  .annotate({ description: "Bytes per second, or a size such as 10mb" })
  .check(
    Schema.makeFilter((v: number | string) =>
      parseByteSize(v) === undefined ? `"${v}" is not a size such as 10mb` : undefined,
    ),
  )

const bytesPerSecond = Schema.Struct({ path: DevicePath, rate: ByteRate })
const ioPerSecond = Schema.Struct({ path: DevicePath, rate: IntLike("Operations per second", 0) })

export const BlkioConfig = Schema.Struct({
  weight: opt(IntLike("Relative block I/O weight, 10 to 1000", 10, 1000)),
  weight_device: opt(
    Schema.Array(Schema.Struct({ path: DevicePath, weight: IntLike("10 to 1000", 10, 1000) })),
  ),
  device_read_bps: opt(Schema.Array(bytesPerSecond)),
  device_write_bps: opt(Schema.Array(bytesPerSecond)),
  device_read_iops: opt(Schema.Array(ioPerSecond)),
  device_write_iops: opt(Schema.Array(ioPerSecond)),
}).annotate({
  identifier: "BlkioConfig",
  description: "Block I/O weights and limits; device paths need the operator policy's devices",
})

/** Microseconds, or a duration (`cpu_rt_runtime: 95ms`), as the Compose Specification allows. */
const Microseconds = Schema.Union([Schema.Int, Schema.String])
  .annotate({ description: "Microseconds, or a duration such as 950ms" })
  .check(
    Schema.makeFilter((v: number | string) =>
      typeof v === "number" || /^\s*\d+\s*$/.test(v) || parseDuration(v) !== undefined
        ? undefined
        : `"${v}" is not a number of microseconds or ${durationHint}`,
    ),
  )

export const otherServiceFields = {
  scale: opt(IntLike("Containers of the service: fleetd runs exactly 1")),
  attach: opt(
    Schema.Boolean.annotate({ description: "compose up's log attachment: ignored with a warning" }),
  ),
  develop: opt(Schema.Unknown.annotate({ description: "compose watch settings: ignored with a warning" })),
  blkio_config: opt(BlkioConfig),
  cgroup: opt(
    Schema.Literals(["host", "private"]).annotate({
      description: "Cgroup namespace; host needs the policy's host_namespaces: [cgroup]",
    }),
  ),
  cgroup_parent: opt(
    Schema.String.annotate({ description: "Parent cgroup; needs the policy's cgroup_parent" }),
  ),
  storage_opt: opt(
    Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Finite])).annotate({
      description: "Storage driver options, e.g. size: 1G",
    }),
  ),
  cpu_rt_period: opt(Microseconds),
  cpu_rt_runtime: opt(Microseconds),
  isolation: opt(
    Schema.String.annotate({ description: "default only (other values are Windows isolation)" }),
  ),
  use_api_socket: opt(
    Schema.Boolean.annotate({ description: "Refused when true: fleetd never hands engine access out" }),
  ),
  label_file: refused("labels from a file; write them under labels:"),
  pull_refresh_after: refused("goes with pull_policy: refresh; use pull_policy: every_<duration>"),
  credential_spec: refused("Windows gMSA credentials"),
  provider: refused("a service run by an external provider, not a container"),
  models: refused("Docker Model Runner models"),
  post_start: refused("Compose lifecycle hooks; use x-fleetd.hooks"),
  pre_stop: refused("Compose lifecycle hooks; use x-fleetd.hooks"),
}

/** `models` at the top level: refused by normalizeOther's checkTopLevelOther. */
export const otherTopLevelFields = {
  models: refused("Docker Model Runner models"),
}

/** Network keys the other topic files do not hold. */
export const otherNetworkFields = {
  enable_ipv4: opt(
    Schema.Boolean.annotate({
      description:
        "true (the default) only: disabling IPv4 needs Engine API 1.48, which fleetd does not send",
    }),
  ),
}
