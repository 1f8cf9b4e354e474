/**
 * How long fleetd waits for a Swarm update to settle before it reports it as still
 * running and lets the pass end: long enough for every batch of the update and of a
 * rollback after it, never for ever (a pass that hangs holds the fleet's lease and
 * delays every other change). Pure: from the spec fleetd sends and the replica count.
 *
 * Per batch (`parallelism` tasks, all of them when 0): the old tasks' stop grace
 * period, a start allowance (the node may pull the image), the `monitor` window and
 * the `delay` before the next batch. Swarm's defaults where the file says nothing:
 * parallelism 1, delay 0, monitor 5 s, stop grace 10 s.
 */
import type { ServiceSpec } from "../engine/swarm/toServiceSpec.ts"

/** A task's start (and image pull on its node), allowed per batch. */
export const startAllowanceMs = 30_000
/** Reading the final state, and Swarm's own scheduling between phases. */
export const settleMs = 30_000
export const minDeadlineMs = 30_000
export const maxDeadlineMs = 30 * 60_000

const ns = (n: number | undefined, fallbackMs: number) => (n === undefined ? fallbackMs : n / 1e6)

const phaseMs = (config: ServiceSpec["UpdateConfig"], replicas: number, stopGraceMs: number) => {
  const parallelism = config?.Parallelism ?? 1
  const batches = parallelism === 0 ? 1 : Math.max(1, Math.ceil(replicas / parallelism))
  return batches * (stopGraceMs + startAllowanceMs + ns(config?.Monitor, 5000) + ns(config?.Delay, 0))
}

export const swarmUpdateDeadlineMs = (spec: ServiceSpec, replicas: number): number => {
  const grace = spec.TaskTemplate.ContainerSpec["StopGracePeriod"]
  const stopGraceMs = typeof grace === "number" ? grace / 1e6 : 10_000
  const total =
    phaseMs(spec.UpdateConfig, replicas, stopGraceMs) +
    phaseMs(spec.RollbackConfig, replicas, stopGraceMs) +
    settleMs
  return Math.min(maxDeadlineMs, Math.max(minDeadlineMs, Math.round(total)))
}
