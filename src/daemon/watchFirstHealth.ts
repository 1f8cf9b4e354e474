import { Clock, Effect } from "effect"
import { type DesiredService, type DesiredState, defaultUpdateSettings } from "../domain/DesiredState.ts"
import type { FleetStatus, ServiceStatus } from "../domain/FleetStatus.ts"
import { passPhase } from "../domain/firstCreation.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import { SourceNotices } from "../notify/SourceNotices.ts"
import { logEvent } from "../observability/logEvent.ts"
import { Metrics } from "../observability/Metrics.ts"
import type { ChangeSet } from "../reconciler/ChangeSet.ts"
import { awaitReady } from "../reconciler/healthGate.ts"
import { logTailLines } from "../reconciler/rollout.ts"
import { iso } from "./recordPass.ts"
import { StatusStore } from "./StatusStore.ts"

/**
 * After a pass that created services without waiting for their health (firstCreation.ts):
 * runs each one's gate, as a replacement's would run, beside the loop (it holds up no
 * pass and no engine slot), and writes the verdict to the status, the metrics and the
 * notifications as soon as it is known: `Healthy`, or sync `Failed` with why and the
 * container's last log lines, and the phase `Synced` or `Degraded` once none is left
 * `Progressing`. A pass that starts meanwhile carries the verdict over (serviceStatuses);
 * a service no longer `Progressing` (replaced, removed) is left to that pass. `desired` is
 * the source's fleet or one of its projects (settleFirstHealth finds it).
 */
export const watchFirstHealth = (desired: DesiredState, changes: ChangeSet) => {
  const created = new Set(changes.services.filter((s) => s.progressing === true).map((s) => s.service))
  const services = desired.services.filter((s) => created.has(s.name))
  return Effect.forEach(services, (service) => watchOne(desired.fleet, service), {
    concurrency: "unbounded",
    discard: true,
  })
}

const watchOne = Effect.fnUntraced(function* (fleet: string, service: DesiredService) {
  const engine = yield* ContainerEngine
  const name = service.containerName
  const failed = yield* awaitReady(name, name, service.spec, service.update ?? defaultUpdateSettings).pipe(
    Effect.as(undefined),
    Effect.catchTag("GateFailed", (e) => Effect.succeed(e.reason)),
  )
  const logs =
    failed === undefined
      ? ""
      : yield* engine.containerLogs(name, logTailLines).pipe(Effect.orElseSucceed(() => ""))
  const at = iso(yield* Clock.currentTimeMillis)
  const verdict = (s: ServiceStatus): ServiceStatus => {
    const { firstHealth: _settled, ...rest } = s
    if (failed === undefined) return { ...rest, health: "Healthy" }
    return {
      ...rest,
      sync: "Failed",
      health: "Unhealthy",
      firstHealth: "Failed",
      lastError: {
        at,
        message: `${failed}; nothing to roll back to (a first creation), so ${name} was kept${logs === "" ? "" : `\nlast log lines:\n${logs}`}`,
      },
    }
  }
  const status = yield* StatusStore
  yield* status.update((s) => settleFirstHealth(s, fleet, service.name, verdict))
  const after = yield* status.get
  yield* (yield* Metrics).setServices(
    after.projects === undefined
      ? after.services.map((s) => ({ fleet, service: s.name, sync: s.sync, health: s.health }))
      : after.projects.flatMap((p) =>
          p.services.map((s) => ({ fleet: p.fleet, service: s.name, sync: s.sync, health: s.health })),
        ),
  )
  yield* failed === undefined
    ? logEvent("Info", `health: ${service.name} is healthy after its first creation`, {
        service: service.name,
      })
    : logEvent("Error", `health: ${service.name} failed after its first creation: ${failed}`, {
        service: service.name,
      })
  const notices = yield* Effect.serviceOption(SourceNotices)
  if (notices._tag === "Some") yield* notices.value.observe(after)
})

/**
 * Pure: the status with `service` of `fleet` (the source's fleet, or one of its projects)
 * given its verdict, if it is still `Progressing`. Only a finished pass's phase is settled
 * here (a pass running now settles its own at its end): the fleet's or the project's,
 * then the source's from its projects'.
 */
export const settleFirstHealth = (
  status: FleetStatus,
  fleet: string,
  service: string,
  verdict: (s: ServiceStatus) => ServiceStatus,
): FleetStatus => {
  const settle = (services: ReadonlyArray<ServiceStatus>) =>
    services.map((x) => (x.name === service && x.firstHealth === "Progressing" ? verdict(x) : x))
  if (status.projects === undefined) {
    if (status.fleet !== fleet) return status
    const services = settle(status.services)
    return {
      ...status,
      services,
      ...(status.phase === "Progressing" ? { phase: passPhase(false, services) } : {}),
    }
  }
  const projects = status.projects.map((p) => {
    if (p.fleet !== fleet) return p
    const services = settle(p.services)
    return { ...p, services, ...(p.phase === "Progressing" ? { phase: passPhase(false, services) } : {}) }
  })
  const phase =
    status.phase !== "Progressing"
      ? status.phase
      : projects.some((p) => p.phase === "Degraded")
        ? "Degraded"
        : projects.some((p) => p.phase === "Progressing")
          ? "Progressing"
          : "Synced"
  return { ...status, projects, phase }
}
