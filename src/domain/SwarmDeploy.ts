/**
 * A service's `deploy:` as Docker Swarm reads it, normalized (normalizeSwarmDeploy.ts).
 * Only the swarm target uses it: on one engine these keys are warnings (normalizeDeploy.ts).
 * Durations are in nanoseconds, sizes in bytes; each optional field is set only when the
 * manifest gives it, so Swarm's own defaults apply otherwise, as with `docker stack deploy`.
 */

export interface SwarmUpdateConfig {
  readonly parallelism?: number
  readonly delayNs?: number
  /** `rollback` only in update_config: Swarm then rolls the service back by itself. */
  readonly failureAction?: "continue" | "pause" | "rollback"
  readonly monitorNs?: number
  readonly maxFailureRatio?: number
  readonly order?: "stop-first" | "start-first"
}

export interface SwarmRestartPolicy {
  readonly condition: "none" | "on-failure" | "any"
  readonly delayNs?: number
  readonly maxAttempts?: number
  readonly windowNs?: number
}

export interface SwarmDeploy {
  readonly mode: "replicated" | "global"
  /** Replicated only; unset means Swarm's default of 1. */
  readonly replicas?: number
  /** As written, in manifest order (Swarm keeps them in order). */
  readonly constraints: ReadonlyArray<string>
  /** `spread` descriptors, in manifest order (earlier ones take precedence). */
  readonly spread: ReadonlyArray<string>
  readonly maxReplicasPerNode?: number
  /** `deploy.restart_policy`, else the service's `restart`; unset is Swarm's `any`. */
  readonly restart?: SwarmRestartPolicy
  readonly update?: SwarmUpdateConfig
  readonly rollback?: SwarmUpdateConfig
  readonly endpointMode?: "vip" | "dnsrr"
  /** `deploy.labels`: on the Swarm service itself (the service's `labels` go on its containers). */
  readonly labels: Readonly<Record<string, string>>
  /** `deploy.resources.reservations.cpus`: a scheduling input only Swarm has. */
  readonly reservedNanoCpus?: number
}
