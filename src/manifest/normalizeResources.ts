/**
 * The resource and runtime fields of a service (resourceFields.ts) → ContainerSpec
 * fields, with docker compose v2's meaning (pkg/compose/create.go, getDeployResources);
 * `deploy` (normalizeDeploy.ts) overrides the limits it sets. A value of 0 that the
 * engine reads as "unset" is left out, so the spec (and its hash) only holds what
 * matters.
 */
import type { ContainerSpec, DeviceRequest, Ulimit } from "../domain/ContainerSpec.ts"
import { parseByteSize } from "./compose/byteSize.ts"
import { toDeviceRequest } from "./compose/deviceRequest.ts"
import type { Service } from "./Manifest.ts"
import { normalizeDeploy } from "./normalizeDeploy.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"
import { intOf } from "./schema/resourceFields.ts"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

export type ResourceFields = Pick<
  ContainerSpec,
  | "runtime"
  | "deviceRequests"
  | "deviceCgroupRules"
  | "ulimits"
  | "pidsLimit"
  | "shmSizeBytes"
  | "memReservationBytes"
  | "memSwapBytes"
  | "memSwappiness"
  | "cpuShares"
  | "cpusetCpus"
  | "cpuQuota"
  | "cpuPeriod"
  | "cpuCount"
  | "cpuPercent"
  | "oomScoreAdj"
  | "oomKillDisable"
  | "groupAdd"
  | "platform"
  | "memLimitBytes"
  | "nanoCpus"
>

export interface NormalizedResources {
  readonly fields: ResourceFields
  /** `restart` as `deploy.restart_policy` sets it (`name[:retries]`), when it does. */
  readonly restart?: string
  readonly issues: ReadonlyArray<PathIssue>
  readonly warnings: ReadonlyArray<PathIssue>
}

/** `origins` gets where the policy-governed fields were written (runtime, device requests, rules). */
export const normalizeResources = (
  name: string,
  service: Service,
  origins: Record<string, ReadonlyArray<PropertyKey>>,
  /** The swarm target: deploy's Swarm keys are used (normalizeSwarmDeploy.ts), not warned about. */
  swarm = false,
): NormalizedResources => {
  const at = ["services", name] as const
  const issues: Array<PathIssue> = []
  const warnings: Array<PathIssue> = []
  const f: Mutable<ResourceFields> = {}
  const nonZero = (value: number | undefined) => (value === undefined || value === 0 ? undefined : value)
  const bytes = (v: string | number | undefined) => nonZero(v === undefined ? undefined : parseByteSize(v))
  const int = (v: string | number | undefined) => nonZero(v === undefined ? undefined : intOf(v))
  const set = <K extends keyof ResourceFields>(key: K, value: ResourceFields[K] | undefined) => {
    if (value !== undefined) f[key] = value
  }

  if (service.ulimits !== undefined) {
    const ulimits: Array<Ulimit> = []
    for (const [limit, value] of Object.entries(service.ulimits)) {
      const [soft, hard] =
        typeof value === "object" ? [intOf(value.soft), intOf(value.hard)] : [intOf(value), intOf(value)]
      if (soft > hard)
        issues.push(
          pathIssue([...at, "ulimits", limit], `the soft limit ${soft} is above the hard limit ${hard}`),
        )
      ulimits.push({ name: limit, soft, hard })
    }
    f.ulimits = ulimits.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }
  set("pidsLimit", int(service.pids_limit))
  set("shmSizeBytes", bytes(service.shm_size))
  set("memReservationBytes", bytes(service.mem_reservation))
  set(
    "memSwapBytes",
    service.memswap_limit === undefined
      ? undefined
      : String(service.memswap_limit).trim() === "-1"
        ? -1
        : bytes(service.memswap_limit),
  )
  // compose sends MemorySwappiness only when it is not 0 (docs/fleet-yaml.md).
  set("memSwappiness", int(service.mem_swappiness))
  set("cpuShares", int(service.cpu_shares))
  set("cpusetCpus", service.cpuset?.trim() === "" ? undefined : service.cpuset?.trim())
  set("cpuQuota", int(service.cpu_quota))
  set("cpuPeriod", int(service.cpu_period))
  set("cpuCount", int(service.cpu_count))
  set("cpuPercent", int(service.cpu_percent))
  set("oomScoreAdj", int(service.oom_score_adj))
  if (service.oom_kill_disable === true) f.oomKillDisable = true
  set(
    "groupAdd",
    service.group_add?.map((g) => String(g).trim()),
  )
  set("platform", service.platform?.trim() === "" ? undefined : service.platform?.trim())
  set("runtime", service.runtime?.trim() === "" ? undefined : service.runtime?.trim())
  set(
    "deviceCgroupRules",
    service.device_cgroup_rules?.map((r) => r.trim().split(/\s+/).join(" ")),
  )

  const requests: Array<DeviceRequest> = []
  if (service.gpus === "all") requests.push({ count: -1, capabilities: [["gpu"]] })
  else for (const g of service.gpus ?? []) requests.push(toDeviceRequest(g, true))

  const deploy = normalizeDeploy(name, service, swarm)
  issues.push(...deploy.issues)
  warnings.push(...deploy.warnings)
  Object.assign(f, deploy.fields)
  requests.push(...deploy.deviceRequests)
  if (requests.length > 0) {
    f.deviceRequests = requests
    origins["device_requests"] =
      service.gpus === undefined ? [...at, "deploy", "resources", "reservations", "devices"] : [...at, "gpus"]
  }
  for (const [i, rule] of (f.deviceCgroupRules ?? []).entries())
    origins[`device_cgroup_rules:${rule}`] ??= [...at, "device_cgroup_rules", i]
  return { fields: f, ...(deploy.restart === undefined ? {} : { restart: deploy.restart }), issues, warnings }
}
