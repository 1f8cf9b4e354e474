/**
 * The remaining Compose fields (schema/otherFields.ts) → ContainerSpec fields, with
 * docker compose v2's meaning on a single engine (pkg/compose/create.go): blkio_config
 * → HostConfig.Blkio*, cgroup → CgroupnsMode, cgroup_parent, storage_opt, cpu_rt_*.
 * What only `compose up`/`watch` reads is accepted with a warning; what fleetd cannot
 * give the meaning Compose does is refused with the reason. Device paths, the host
 * cgroup namespace and cgroup_parent are recorded in `origins` for the operator policy.
 */
import type { Blkio, BlkioRate, ContainerSpec } from "../domain/ContainerSpec.ts"
import { parseByteSize } from "./compose/byteSize.ts"
import { parseDuration } from "./compose/duration.ts"
import type { Manifest, Service } from "./Manifest.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"
import { intOf } from "./schema/resourceFields.ts"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
export type OtherFields = Pick<
  ContainerSpec,
  "blkio" | "cgroupnsMode" | "cgroupParent" | "storageOpt" | "cpuRtPeriod" | "cpuRtRuntime"
>

/** Fields only `compose up` and `compose watch` read: accepted with these warnings. */
const ignored: Record<string, string> = {
  attach: "attach is ignored: it only says whether compose up shows the service's logs",
  develop: "develop is ignored: it configures compose watch, which fleetd replaces with git",
}

/** Why each refused service field is refused, and what to do instead. */
const refusals: Record<string, { readonly why: string; readonly hint: string }> = {
  label_file: {
    why: "label_file is not supported yet",
    hint: "write the labels under labels:",
  },
  pull_refresh_after: {
    why: "pull_refresh_after goes with pull_policy: refresh, which fleetd does not have",
    hint: "use pull_policy: every_<duration>, e.g. every_12h",
  },
  credential_spec: {
    why: "credential_spec configures Windows gMSA credentials; fleetd runs Linux containers",
    hint: "remove credential_spec",
  },
  provider: {
    why: "provider hands the service to an external program instead of running a container; fleetd only runs containers",
    hint: "run what the provider sets up outside fleetd, and remove the service",
  },
  models: {
    why: "models needs Docker Model Runner, which fleetd does not drive",
    hint: "run the model server as a service of its own and pass its URL in environment:",
  },
  post_start: {
    why: "post_start runs on every start of the container in Compose; fleetd has no such hook",
    hint: "use x-fleetd.hooks.post_deploy with exec: steps, which run when the container is created or replaced",
  },
  pre_stop: {
    why: "pre_stop runs before every stop of the container in Compose; fleetd has no such hook",
    hint: "use x-fleetd.hooks.pre_deploy with exec: steps, which run in the old container before it is replaced",
  },
}

const usec = (v: number | string): number => {
  if (typeof v === "number" || /^\s*\d+\s*$/.test(v)) return intOf(v)
  return Math.round((parseDuration(v.trim()) ?? 0) / 1000)
}

const rates = (
  list: ReadonlyArray<{ readonly path: string; readonly rate: number | string }> | undefined,
  bytes: boolean,
): ReadonlyArray<BlkioRate> | undefined =>
  list?.map((r) => ({ path: r.path, rate: bytes ? (parseByteSize(r.rate) ?? 0) : intOf(r.rate) }))

export const normalizeOther = (
  name: string,
  service: Service,
  origins: Record<string, ReadonlyArray<PropertyKey>>,
): {
  readonly fields: OtherFields
  readonly issues: ReadonlyArray<PathIssue>
  readonly warnings: ReadonlyArray<PathIssue>
} => {
  const at = ["services", name] as const
  const issues: Array<PathIssue> = []
  const warnings: Array<PathIssue> = []
  const f: Mutable<OtherFields> = {}

  if (service.scale !== undefined && intOf(service.scale) !== 1)
    issues.push(
      pathIssue(
        [...at, "scale"],
        `scale ${intOf(service.scale)} is not supported: fleetd runs one container per service`,
        {
          hint: "remove scale (1 is the only value), or define another service for a second container",
        },
      ),
    )
  for (const [field, message] of Object.entries(ignored))
    if (service[field as keyof Service] !== undefined) warnings.push(pathIssue([...at, field], message))
  if (service.isolation !== undefined && service.isolation !== "default")
    issues.push(
      pathIssue(
        [...at, "isolation"],
        `isolation ${service.isolation} is Windows container isolation; Linux engines have only default`,
        {
          hint: "remove isolation",
        },
      ),
    )
  if (service.use_api_socket === true)
    issues.push(
      pathIssue(
        [...at, "use_api_socket"],
        "use_api_socket is refused: Compose mounts the engine's socket and copies the registry credentials of whoever runs it into the container; fleetd never hands its credentials out",
        {
          hint: "bind the socket under volumes: instead (it needs the operator policy's engine_socket) and give the container its own credentials",
        },
      ),
    )
  for (const [field, refusal] of Object.entries(refusals))
    if (service[field as keyof Service] !== undefined)
      issues.push(pathIssue([...at, field], refusal.why, { onKey: true, hint: refusal.hint }))

  if (service.blkio_config !== undefined) {
    const b = service.blkio_config
    const blkio: Mutable<Blkio> = {}
    if (b.weight !== undefined) blkio.weight = intOf(b.weight)
    if (b.weight_device !== undefined)
      blkio.weightDevice = b.weight_device.map((w) => ({ path: w.path, weight: intOf(w.weight) }))
    const parts = [
      ["deviceReadBps", "device_read_bps", true],
      ["deviceWriteBps", "device_write_bps", true],
      ["deviceReadIOps", "device_read_iops", false],
      ["deviceWriteIOps", "device_write_iops", false],
    ] as const
    for (const [key, field, bytes] of parts) {
      const list = rates(b[field], bytes)
      if (list !== undefined) blkio[key] = list
    }
    f.blkio = blkio
    // Each device path is host access: recorded for the policy's `devices` check.
    for (const [field, list] of [
      ["weight_device", b.weight_device],
      ...parts.map(([, field]) => [field, b[field]] as const),
    ] as const)
      for (const [i, d] of (list ?? []).entries())
        origins[`blkio:${d.path}`] ??= [...at, "blkio_config", field, i, "path"]
  }
  if (service.cgroup !== undefined) f.cgroupnsMode = service.cgroup
  if (service.cgroup_parent !== undefined && service.cgroup_parent.trim() !== "")
    f.cgroupParent = service.cgroup_parent.trim()
  if (service.storage_opt !== undefined)
    f.storageOpt = Object.fromEntries(Object.entries(service.storage_opt).map(([k, v]) => [k, String(v)]))
  if (service.cpu_rt_period !== undefined) f.cpuRtPeriod = usec(service.cpu_rt_period)
  if (service.cpu_rt_runtime !== undefined) f.cpuRtRuntime = usec(service.cpu_rt_runtime)
  return { fields: f, issues, warnings }
}

/** Top-level fields fleetd refuses, and network keys it only accepts at their default. */
export const checkTopLevelOther = (manifest: Manifest): ReadonlyArray<PathIssue> => {
  const issues: Array<PathIssue> = []
  if (manifest.models !== undefined)
    issues.push(
      pathIssue(["models"], refusals["models"]!.why, { onKey: true, hint: refusals["models"]!.hint }),
    )
  for (const [key, network] of Object.entries(manifest.networks ?? {}))
    if (network?.enable_ipv4 === false)
      issues.push(
        pathIssue(
          ["networks", key, "enable_ipv4"],
          "enable_ipv4: false is not supported: an IPv6-only network needs Engine API 1.48 (Docker 28), and fleetd speaks an older API",
          { hint: "remove enable_ipv4 (true is the default)" },
        ),
      )
  return issues
}
