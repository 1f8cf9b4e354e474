/**
 * The resource and runtime fields of a service (resourceFields.ts) → ContainerSpec
 * fields, with docker compose v2's meaning (pkg/compose/create.go, getDeployResources):
 * `deploy.resources.limits` set Memory, NanoCpus and PidsLimit, `reservations.memory`
 * MemoryReservation and `reservations.devices` device requests; `deploy.restart_policy`
 * wins over `restart`. Where compose-go refuses two distinct values (`cpus` and
 * `deploy.resources.limits.cpus`, ...), so does this. A value of 0 that the engine
 * reads as "unset" is left out, so the spec (and its hash) only holds what matters.
 * Swarm-only `deploy` keys are warnings, never silently dropped.
 */
import type { ContainerSpec, DeviceRequest, Ulimit } from "../domain/ContainerSpec.ts"
import { parseByteSize } from "./compose/byteSize.ts"
import type { Service } from "./Manifest.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"
import { intOf } from "./schema/resourceFields.ts"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
type RequestInput = NonNullable<NonNullable<NonNullable<Service["deploy"]>["resources"]>["reservations"]>
type DeviceRequestInput = NonNullable<RequestInput["devices"]>[number]

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

/** compose's mapRestartPolicyCondition; an absent condition is the engine's "" (no restart). */
const conditions: Readonly<Record<string, string>> = {
  none: "no",
  no: "no",
  "on-failure": "on-failure",
  "unless-stopped": "unless-stopped",
  any: "always",
  always: "always",
}

const toDeviceRequest = (d: DeviceRequestInput, gpu: boolean): DeviceRequest => {
  const options =
    d.options === undefined
      ? undefined
      : Array.isArray(d.options)
        ? Object.fromEntries(
            (d.options as ReadonlyArray<string>).map((o) => {
              const eq = o.indexOf("=")
              return eq < 0 ? [o, ""] : [o.slice(0, eq), o.slice(eq + 1)]
            }),
          )
        : Object.fromEntries(Object.entries(d.options).map(([k, v]) => [k, v === null ? "" : String(v)]))
  // compose-go: neither count nor device_ids means all devices.
  const count =
    d.count === undefined
      ? d.device_ids === undefined
        ? -1
        : undefined
      : typeof d.count === "string" && d.count.trim().toLowerCase() === "all"
        ? -1
        : intOf(d.count)
  return {
    ...(d.driver === undefined ? {} : { driver: d.driver }),
    ...(count === undefined ? {} : { count }),
    ...(d.device_ids === undefined ? {} : { deviceIds: [...d.device_ids] }),
    // `gpus` entries always carry the gpu capability (compose appends it).
    capabilities: [gpu ? [...(d.capabilities ?? []), "gpu"] : [...(d.capabilities ?? [])]],
    ...(options === undefined ? {} : { options }),
  }
}

/** `origins` gets where the policy-governed fields were written (runtime, device requests, rules). */
export const normalizeResources = (
  name: string,
  service: Service,
  origins: Record<string, ReadonlyArray<PropertyKey>>,
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

  const deploy = service.deploy ?? undefined
  let restart: string | undefined
  if (deploy !== undefined) {
    const d = [...at, "deploy"]
    const replicas = deploy.replicas === undefined ? 1 : intOf(deploy.replicas)
    if (replicas !== 1)
      issues.push(
        pathIssue(
          [...d, "replicas"],
          replicas === 0
            ? "deploy.replicas: 0 is not supported: fleetd runs exactly one container per service"
            : `deploy.replicas: ${replicas} is not supported: fleetd runs exactly one container per service`,
          {
            hint:
              replicas === 0
                ? "remove the service, or suspend it with x-fleetd.suspend: true"
                : "write replicas: 1, or declare one service per instance",
          },
        ),
      )
    const ignored = (path: ReadonlyArray<PropertyKey>, what: string) =>
      warnings.push(
        pathIssue(path, `${what} is a Swarm setting; ignored on a single engine, as docker compose does`),
      )
    if (deploy.mode !== undefined && deploy.mode !== "replicated")
      ignored([...d, "mode"], `deploy.mode: ${deploy.mode}`)
    for (const key of ["endpoint_mode", "labels", "update_config", "rollback_config", "placement"] as const)
      if (deploy[key] !== undefined) ignored([...d, key], `deploy.${key}`)

    const limits = deploy.resources?.limits
    const reservations = deploy.resources?.reservations
    const r = [...d, "resources"]
    const conflict = (field: string, deployPath: ReadonlyArray<PropertyKey>, deployField: string) =>
      issues.push(
        pathIssue(deployPath, `'${field}' and '${deployField}' have distinct values`, {
          hint: `docker compose refuses this too: keep one of them (deploy.resources wins when both agree)`,
        }),
      )
    if (limits?.cpus !== undefined) {
      const nano = Math.round(Number(limits.cpus) * 1e9)
      if (service.cpus !== undefined && Math.round(Number(service.cpus) * 1e9) !== nano)
        conflict("cpus", [...r, "limits", "cpus"], "deploy.resources.limits.cpus")
      f.nanoCpus = nano
    }
    if (limits?.memory !== undefined) {
      const memory = parseByteSize(limits.memory)
      if (service.mem_limit !== undefined && parseByteSize(service.mem_limit) !== memory)
        conflict("mem_limit", [...r, "limits", "memory"], "deploy.resources.limits.memory")
      set("memLimitBytes", nonZero(memory))
    }
    if (limits?.pids !== undefined) {
      const pids = intOf(limits.pids)
      if (service.pids_limit !== undefined && intOf(service.pids_limit) !== pids)
        conflict("pids_limit", [...r, "limits", "pids"], "deploy.resources.limits.pids")
      if (pids > 0) f.pidsLimit = pids
    }
    if (reservations?.memory !== undefined) {
      const memory = parseByteSize(reservations.memory)
      if (service.mem_reservation !== undefined && parseByteSize(service.mem_reservation) !== memory)
        conflict("mem_reservation", [...r, "reservations", "memory"], "deploy.resources.reservations.memory")
      set("memReservationBytes", nonZero(memory))
    }
    // A CPU reservation only means something to Swarm's scheduler (compose drops it).
    if (reservations?.cpus !== undefined)
      ignored([...r, "reservations", "cpus"], "deploy.resources.reservations.cpus")
    if (reservations?.generic_resources !== undefined)
      ignored([...r, "reservations", "generic_resources"], "deploy.resources.reservations.generic_resources")
    for (const device of reservations?.devices ?? []) requests.push(toDeviceRequest(device, false))

    const policy = deploy.restart_policy
    if (policy !== undefined) {
      const p = [...d, "restart_policy"]
      const condition = conditions[policy.condition ?? "no"] ?? "no"
      const attempts = policy.max_attempts === undefined ? 0 : intOf(policy.max_attempts)
      if (attempts > 0 && condition !== "on-failure")
        issues.push(
          pathIssue([...p, "max_attempts"], "max_attempts applies only to condition: on-failure", {
            hint: "the engine refuses a retry count with any other restart policy",
          }),
        )
      restart = attempts > 0 ? `${condition}:${attempts}` : condition
      if (service.restart !== undefined && service.restart !== restart)
        warnings.push(
          pathIssue(
            [...at, "restart"],
            `restart: ${service.restart} is overridden by deploy.restart_policy (${restart}), as docker compose does`,
          ),
        )
      for (const key of ["delay", "window"] as const)
        if (policy[key] !== undefined) ignored([...p, key], `deploy.restart_policy.${key}`)
    }
  }
  if (requests.length > 0) {
    f.deviceRequests = requests
    origins["device_requests"] =
      service.gpus === undefined ? [...at, "deploy", "resources", "reservations", "devices"] : [...at, "gpus"]
  }
  for (const [i, rule] of (f.deviceCgroupRules ?? []).entries())
    origins[`device_cgroup_rules:${rule}`] ??= [...at, "device_cgroup_rules", i]
  return { fields: f, ...(restart === undefined ? {} : { restart }), issues, warnings }
}
