/**
 * `deploy` on a single engine, as docker compose v2 maps it (pkg/compose/create.go):
 * `resources.limits` set NanoCpus, Memory and PidsLimit (pids only when > 0),
 * `reservations.memory` MemoryReservation and `reservations.devices` device requests;
 * `restart_policy` wins over `restart`. Where compose-go refuses two distinct values
 * (`cpus` and `deploy.resources.limits.cpus`, ...), so does this. Swarm-only keys are
 * warnings, never silently dropped; more than one replica is an error. On the swarm
 * target (`swarm`), normalizeSwarmDeploy.ts reads those keys instead, so they are
 * neither warnings nor errors here.
 */
import type { ContainerSpec, DeviceRequest } from "../domain/ContainerSpec.ts"
import { parseByteSize } from "./compose/byteSize.ts"
import { toDeviceRequest } from "./compose/deviceRequest.ts"
import type { Service } from "./Manifest.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"
import { intOf } from "./schema/resourceFields.ts"

type DeployFields = Pick<ContainerSpec, "nanoCpus" | "memLimitBytes" | "pidsLimit" | "memReservationBytes">

export interface NormalizedDeploy {
  /** Overrides of the top-level fields. */
  readonly fields: DeployFields
  readonly deviceRequests: ReadonlyArray<DeviceRequest>
  /** `restart` as `restart_policy` sets it (`name[:retries]`), when it does. */
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

export const normalizeDeploy = (name: string, service: Service, swarm = false): NormalizedDeploy => {
  const at = ["services", name] as const
  const issues: Array<PathIssue> = []
  const warnings: Array<PathIssue> = []
  const f: { -readonly [K in keyof DeployFields]: DeployFields[K] } = {}
  const requests: Array<DeviceRequest> = []
  const nonZero = (value: number | undefined) => (value === undefined || value === 0 ? undefined : value)
  const deploy = service.deploy ?? undefined
  let restart: string | undefined
  if (deploy !== undefined) {
    const d = [...at, "deploy"]
    const replicas = deploy.replicas === undefined ? 1 : intOf(deploy.replicas)
    if (replicas !== 1 && !swarm)
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
      swarm ||
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
      const bytes = nonZero(memory)
      if (bytes !== undefined) f.memLimitBytes = bytes
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
      const bytes = nonZero(memory)
      if (bytes !== undefined) f.memReservationBytes = bytes
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
      // Swarm counts attempts under any condition.
      if (attempts > 0 && condition !== "on-failure" && !swarm)
        issues.push(
          pathIssue([...p, "max_attempts"], "max_attempts applies only to condition: on-failure", {
            hint: "the engine refuses a retry count with any other restart policy",
          }),
        )
      restart = attempts > 0 ? `${condition}:${attempts}` : condition
      if (service.restart !== undefined && service.restart !== restart && !swarm)
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
  return {
    fields: f,
    deviceRequests: requests,
    ...(restart === undefined ? {} : { restart }),
    issues,
    warnings,
  }
}
