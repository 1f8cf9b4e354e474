/**
 * `deploy:` for the swarm target, as `docker stack deploy` reads it (docker/cli
 * cli/compose/convert/service.go): mode and replicas, placement, restart_policy (else
 * the service's `restart`), update_config and rollback_config, endpoint_mode, labels and
 * the CPU reservation. The schema accepts placement and the two configs as open
 * mappings (they are warnings on one engine), so their fields are checked here, each
 * bad one reported at its own path.
 */
import type { SwarmDeploy, SwarmRestartPolicy, SwarmUpdateConfig } from "../domain/SwarmDeploy.ts"
import { parseDuration } from "./compose/duration.ts"
import type { Service } from "./Manifest.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"
import { intOf } from "./schema/resourceFields.ts"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** compose restart → Swarm condition, as docker/cli's convertRestartPolicy maps it. */
const fromRestart = (restart: string): SwarmRestartPolicy | undefined => {
  const [name, retries] = restart.split(":")
  if (name === "no") return { condition: "none" }
  if (name === "always" || name === "unless-stopped") return { condition: "any" }
  if (name === "on-failure")
    return retries === undefined
      ? { condition: "on-failure" }
      : { condition: "on-failure", maxAttempts: Number(retries) }
  return undefined
}

const swarmConditions: Readonly<Record<string, SwarmRestartPolicy["condition"]>> = {
  none: "none",
  no: "none",
  "on-failure": "on-failure",
  any: "any",
  always: "any",
  "unless-stopped": "any",
}

export const normalizeSwarmDeploy = (
  name: string,
  service: Service,
): { readonly deploy: SwarmDeploy; readonly issues: ReadonlyArray<PathIssue> } => {
  const d = ["services", name, "deploy"] as const
  const issues: Array<PathIssue> = []
  const deploy = service.deploy ?? {}

  const duration = (value: unknown, path: ReadonlyArray<PropertyKey>): number | undefined => {
    const ns = typeof value === "string" ? parseDuration(value) : undefined
    if (ns === undefined)
      issues.push(
        pathIssue(path, `${JSON.stringify(value)} is not a duration`, { hint: "write e.g. 10s, 1m30s" }),
      )
    return ns
  }
  const count = (value: unknown, path: ReadonlyArray<PropertyKey>, min: number): number | undefined => {
    const n = typeof value === "number" || typeof value === "string" ? intOf(value) : Number.NaN
    if (!Number.isInteger(n) || n < min) {
      issues.push(pathIssue(path, `${JSON.stringify(value)} is not a whole number of at least ${min}`))
      return undefined
    }
    return n
  }
  const oneOf = <A extends string>(
    value: unknown,
    path: ReadonlyArray<PropertyKey>,
    allowed: ReadonlyArray<A>,
  ) => {
    if (typeof value === "string" && (allowed as ReadonlyArray<string>).includes(value)) return value as A
    issues.push(pathIssue(path, `${JSON.stringify(value)} is not one of ${allowed.join(", ")}`))
    return undefined
  }
  const unknownKeys = (
    value: Record<string, unknown>,
    path: ReadonlyArray<PropertyKey>,
    known: ReadonlyArray<string>,
  ) => {
    for (const key of Object.keys(value))
      if (!known.includes(key))
        issues.push(
          pathIssue([...path, key], `unknown key "${key}"`, {
            onKey: true,
            hint: `expected one of ${known.join(", ")}`,
          }),
        )
  }

  const updateConfig = (key: "update_config" | "rollback_config"): SwarmUpdateConfig | undefined => {
    const raw = deploy[key]
    if (raw === undefined) return undefined
    const p = [...d, key]
    unknownKeys(raw, p, ["parallelism", "delay", "failure_action", "monitor", "max_failure_ratio", "order"])
    const c: Mutable<SwarmUpdateConfig> = {}
    const set = <K extends keyof SwarmUpdateConfig>(field: K, value: SwarmUpdateConfig[K] | undefined) => {
      if (value !== undefined) c[field] = value
    }
    if (raw["parallelism"] !== undefined)
      set("parallelism", count(raw["parallelism"], [...p, "parallelism"], 0))
    if (raw["delay"] !== undefined) set("delayNs", duration(raw["delay"], [...p, "delay"]))
    if (raw["monitor"] !== undefined) set("monitorNs", duration(raw["monitor"], [...p, "monitor"]))
    if (raw["failure_action"] !== undefined)
      set(
        "failureAction",
        // Swarm refuses to roll back a rollback.
        oneOf(
          raw["failure_action"],
          [...p, "failure_action"],
          key === "update_config" ? ["continue", "pause", "rollback"] : ["continue", "pause"],
        ),
      )
    if (raw["order"] !== undefined)
      set("order", oneOf(raw["order"], [...p, "order"], ["stop-first", "start-first"]))
    const ratio = raw["max_failure_ratio"]
    if (ratio !== undefined) {
      const r = typeof ratio === "number" ? ratio : Number.NaN
      if (Number.isFinite(r) && r >= 0 && r <= 1) c.maxFailureRatio = r
      else
        issues.push(
          pathIssue([...p, "max_failure_ratio"], `${JSON.stringify(ratio)} is not a ratio between 0 and 1`),
        )
    }
    return c
  }

  const mode =
    deploy.mode === undefined ? "replicated" : oneOf(deploy.mode, [...d, "mode"], ["replicated", "global"])
  const result: Mutable<SwarmDeploy> = { mode: mode ?? "replicated", constraints: [], spread: [], labels: {} }
  if (deploy.replicas !== undefined) {
    if (result.mode === "global")
      issues.push(
        pathIssue([...d, "replicas"], "deploy.replicas does not apply to mode: global (one task per node)", {
          hint: "remove replicas, or use mode: replicated",
        }),
      )
    else result.replicas = intOf(deploy.replicas)
  }

  const placement = deploy.placement
  if (placement !== undefined) {
    const p = [...d, "placement"]
    unknownKeys(placement, p, ["constraints", "preferences", "max_replicas_per_node"])
    const constraints = placement["constraints"]
    if (constraints !== undefined) {
      if (Array.isArray(constraints) && constraints.every((c) => typeof c === "string"))
        result.constraints = constraints.map((c: string) => c.trim())
      else
        issues.push(
          pathIssue(
            [...p, "constraints"],
            "constraints must be a list of strings such as node.role==manager",
          ),
        )
    }
    const preferences = placement["preferences"]
    if (preferences !== undefined) {
      const spread: Array<string> = []
      for (const [i, pref] of (Array.isArray(preferences) ? preferences : [preferences]).entries()) {
        const s =
          typeof pref === "object" && pref !== null ? (pref as Record<string, unknown>)["spread"] : undefined
        if (typeof s === "string" && Object.keys(pref as object).length === 1) spread.push(s)
        else
          issues.push(
            pathIssue([...p, "preferences", i], "a placement preference is {spread: <descriptor>}", {
              hint: "e.g. spread: node.labels.zone",
            }),
          )
      }
      result.spread = spread
    }
    if (placement["max_replicas_per_node"] !== undefined) {
      const max = count(placement["max_replicas_per_node"], [...p, "max_replicas_per_node"], 1)
      if (max !== undefined) result.maxReplicasPerNode = max
    }
  }

  const policy = deploy.restart_policy
  if (policy !== undefined) {
    const p = [...d, "restart_policy"]
    const r: Mutable<SwarmRestartPolicy> = { condition: swarmConditions[policy.condition ?? "any"] ?? "any" }
    if (policy.delay !== undefined) {
      const ns = duration(policy.delay, [...p, "delay"])
      if (ns !== undefined) r.delayNs = ns
    }
    if (policy.window !== undefined) {
      const ns = duration(policy.window, [...p, "window"])
      if (ns !== undefined) r.windowNs = ns
    }
    if (policy.max_attempts !== undefined) r.maxAttempts = intOf(policy.max_attempts)
    result.restart = r
  } else if (service.restart !== undefined) {
    const r = fromRestart(service.restart)
    if (r !== undefined) result.restart = r
  }

  const update = updateConfig("update_config")
  if (update !== undefined) result.update = update
  const rollback = updateConfig("rollback_config")
  if (rollback !== undefined) result.rollback = rollback
  if (deploy.endpoint_mode !== undefined) {
    const m = oneOf(deploy.endpoint_mode, [...d, "endpoint_mode"], ["vip", "dnsrr"])
    if (m !== undefined) result.endpointMode = m
  }
  const labels = deploy.labels
  if (labels !== undefined)
    result.labels = Array.isArray(labels)
      ? Object.fromEntries(
          labels.map((l: string) => {
            const eq = l.indexOf("=")
            return eq < 0 ? [l, ""] : [l.slice(0, eq), l.slice(eq + 1)]
          }),
        )
      : Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, v ?? ""]))
  const cpus = deploy.resources?.reservations?.cpus
  if (cpus !== undefined) result.reservedNanoCpus = Math.round(Number(cpus) * 1e9)
  return { deploy: result, issues }
}
