import type { FleetStatus, PassChange, ServiceStatus, StalledStatus } from "../domain/FleetStatus.ts"
import type { NotifyEvent, NotifyKind, NotifySeverity } from "./NotifyEvent.ts"

/** What the notifications of one source are told to watch (docs/notifications.md). */
export interface NoticeOptions {
  /** A new revision applied is told (`on_applied`, default true). */
  readonly onApplied: boolean
  /** Passes failing (phase `Failing`) for this long are told (`fetch_failing_after`, default 5 min). */
  readonly failingAfterMs: number
}

export const defaultNoticeOptions: NoticeOptions = { onApplied: true, failingAfterMs: 5 * 60_000 }

/** A service's state as far as notifications go: one message per change of it. */
type Condition = "Failed" | "RolledBack" | "Degraded" | "ok"

/**
 * What was last told (or seen) about a source: the only state notifications keep, so a
 * state that lasts for many passes is told once, and a return to good only after a bad
 * state was told.
 */
export interface NoticeMemory {
  /** Per `fleet/service`: the last bad condition told, or `ok` after its recovery was. */
  readonly services: ReadonlyMap<string, Condition>
  /** Per fleet: the stalled revision told. */
  readonly stalled: ReadonlyMap<string, string>
  /** Per fleet: the last applied revision seen. */
  readonly applied: ReadonlyMap<string, string>
  /** Since when passes fail (epoch ms), and whether that was told. */
  readonly failing?: { readonly since: number; readonly told: boolean }
  /** The last revision whose rollout was told, and the last state told of it. */
  readonly rollout?: { readonly revision: string; readonly state: RolloutState }
}

type RolloutState = "pending" | "success" | "failure"

export const emptyNoticeMemory: NoticeMemory = { services: new Map(), stalled: new Map(), applied: new Map() }

/** `web: RolledBack`, one line per service of the status a rollout failed on. */
const failedServices = (status: FleetStatus) =>
  unitsOf(status)
    .flatMap((u) =>
      u.services
        .filter((s) => s.sync === "Failed" || s.sync === "RolledBack")
        .map(
          (s) =>
            `${u.fleet === undefined || status.projects === undefined ? "" : `${u.fleet}/`}${s.name}: ${s.sync === "Failed" ? "failed" : "rolled back"}`,
        ),
    )
    .join(", ")

/**
 * How the rollout of a new revision stands, for forge commit statuses: `pending` from
 * the moment a pass starts applying a revision other than the one applied
 * (`rollingOut`), then, once a pass over it ends, `success` when it converged, `failure`
 * when a service failed or was rolled back, or the revision stalled. A pass that could
 * not finish (engine down, lease lost) leaves it pending; a later pass that converges
 * the same revision turns a failure into a success.
 */
const rolloutChange = (
  memory: NoticeMemory["rollout"],
  status: FleetStatus,
): { readonly revision: string; readonly state: RolloutState; readonly detail?: string } | undefined => {
  if (status.rollingOut !== undefined) {
    const revision = status.rollingOut
    if (memory?.revision === revision || revision === status.lastAppliedRevision) return undefined
    return { revision, state: "pending" }
  }
  // A revision that stalls is refused before any rollout: told as failed at once.
  const stalled = status.phase === "Stalled" ? status.stalled : undefined
  if (stalled !== undefined && memory?.revision !== stalled.revision)
    return { revision: stalled.revision, state: "failure", detail: stalled.reason }
  if (memory === undefined || status.lastAttemptedRevision !== memory.revision) return undefined
  // Progressing: the revision is applied; a first creation that then fails its health
  // turns it to failure (Degraded) and is told as that service's failure.
  const state: RolloutState | undefined =
    status.phase === "Synced" || status.phase === "Progressing"
      ? "success"
      : status.phase === "Degraded" || status.phase === "Stalled"
        ? "failure"
        : undefined
  if (state === undefined || state === memory.state) return undefined
  const detail =
    state === "success"
      ? undefined
      : status.phase === "Stalled"
        ? status.stalled?.reason
        : failedServices(status) || undefined
  return { revision: memory.revision, state, ...(detail === undefined ? {} : { detail }) }
}

const rolloutKind: Record<RolloutState, NotifyKind> = {
  pending: "RolloutStarted",
  success: "RolloutSucceeded",
  failure: "RolloutFailed",
}
const rolloutSeverity: Record<RolloutState, NotifySeverity> = {
  pending: "info",
  success: "success",
  failure: "error",
}
const rolloutVerb: Record<RolloutState, string> = {
  pending: "is rolling out",
  success: "rolled out",
  failure: "failed to roll out",
}

/** One fleet of a source: the source itself, or one of its projects. */
interface Unit {
  readonly fleet: string | undefined
  readonly services: ReadonlyArray<ServiceStatus>
  readonly stalled: StalledStatus | undefined
  readonly lastAppliedRevision: string | undefined
}

const unitsOf = (status: FleetStatus): ReadonlyArray<Unit> =>
  status.projects !== undefined
    ? status.projects.map((p) => ({
        fleet: p.fleet,
        services: p.services,
        stalled: p.stalled,
        lastAppliedRevision: p.lastAppliedRevision,
      }))
    : [
        {
          fleet: status.fleet,
          services: status.services,
          stalled: status.stalled,
          lastAppliedRevision: status.lastAppliedRevision,
        },
      ]

/** OutOfSync, Suspended, a health still Starting: neither bad nor recovered yet. */
const conditionOf = (s: ServiceStatus): Condition | undefined =>
  s.sync === "Failed"
    ? "Failed"
    : s.sync === "RolledBack"
      ? "RolledBack"
      : s.health === "Unhealthy"
        ? "Degraded"
        : s.sync === "Synced" && (s.health === "Healthy" || s.health === "Completed")
          ? "ok"
          : undefined

const serviceKind: Record<Condition, NotifyKind> = {
  Failed: "ServiceFailed",
  RolledBack: "ServiceRolledBack",
  Degraded: "ServiceDegraded",
  ok: "ServiceRecovered",
}

const serviceVerb: Record<Condition, string> = {
  Failed: "failed",
  RolledBack: "was rolled back",
  Degraded: "is unhealthy",
  ok: "recovered",
}

const shortRevision = (revision: string | undefined) =>
  revision === undefined ? undefined : revision.length === 40 ? revision.slice(0, 12) : revision

const where = (source: string, fleet: string | undefined) =>
  fleet === undefined ? `source ${source}` : `fleet ${fleet}`

const formatDuration = (ms: number) => {
  const minutes = Math.round(ms / 60_000)
  return minutes >= 1 ? `${minutes} min` : `${Math.round(ms / 1000)} s`
}

/** `web: replaced (image changed)`, one line per service the pass did something to. */
const changeLine = (c: PassChange) =>
  `${c.service}: ${c.outcome}${c.reason === undefined ? "" : ` (${c.reason})`}`

/**
 * Pure: the memory of what was told about a source and its status after a pass → the
 * events to send and the new memory. A state that lasts is told once (ten no-op passes
 * give nothing); a flapping service gives one event per change of its state.
 */
export const stateChanges = (
  source: string,
  memory: NoticeMemory,
  status: FleetStatus,
  now: number,
  options: NoticeOptions = defaultNoticeOptions,
): { readonly events: ReadonlyArray<NotifyEvent>; readonly memory: NoticeMemory } => {
  const at = new Date(now).toISOString()
  const events: Array<NotifyEvent> = []
  const event = (
    kind: NotifyKind,
    severity: NotifySeverity,
    title: string,
    fields: { fleet?: string | undefined; service?: string; revision?: string | undefined; detail?: string },
  ) => {
    const { fleet, revision, ...rest } = fields
    events.push({
      kind,
      severity,
      source,
      ...(fleet === undefined ? {} : { fleet }),
      ...(revision === undefined ? {} : { revision }),
      ...rest,
      title,
      at,
      key: [source, fleet ?? "", fields.service ?? "", kind, revision ?? ""].join("/"),
    })
  }
  const services = new Map<string, Condition>()
  const stalled = new Map<string, string>()
  const applied = new Map<string, string>()

  for (const unit of unitsOf(status)) {
    const fleetKey = unit.fleet ?? ""
    for (const s of unit.services) {
      const key = `${fleetKey}/${s.name}`
      const told = memory.services.get(key)
      const now = conditionOf(s)
      const next = now === undefined || now === told || (now === "ok" && told === undefined) ? told : now
      if (next !== undefined) services.set(key, next)
      if (next === told || now === undefined) continue
      // A failure is of the revision the pass tried; a recovery, of the one now applied.
      const revision =
        now === "ok"
          ? unit.lastAppliedRevision
          : (status.lastAttemptedRevision ?? s.lastChange?.revision ?? unit.lastAppliedRevision)
      const detail =
        now === "ok"
          ? undefined
          : now === "Degraded"
            ? s.lastError?.message
            : (s.lastError?.message ?? s.lastChange?.reason)
      event(
        serviceKind[now],
        now === "ok" ? "success" : now === "Degraded" ? "warning" : "error",
        `${s.name} ${serviceVerb[now]} (${where(source, unit.fleet)}${revision === undefined ? "" : `, revision ${shortRevision(revision)}`})`,
        {
          fleet: unit.fleet,
          service: s.name,
          revision,
          ...(detail === undefined ? {} : { detail }),
        },
      )
    }

    const toldStall = memory.stalled.get(fleetKey)
    if (unit.stalled !== undefined) {
      stalled.set(fleetKey, unit.stalled.revision)
      if (toldStall !== unit.stalled.revision)
        event(
          "Stalled",
          "error",
          `revision ${shortRevision(unit.stalled.revision)} is stalled (${where(source, unit.fleet)}): ${unit.stalled.reason}`,
          {
            fleet: unit.fleet,
            revision: unit.stalled.revision,
            ...(unit.stalled.issues.length === 0 ? {} : { detail: unit.stalled.issues.join("\n") }),
          },
        )
    } else if (toldStall !== undefined && status.phase !== "Failing")
      event(
        "StallCleared",
        "success",
        `the stall of revision ${shortRevision(toldStall)} cleared (${where(source, unit.fleet)})`,
        {
          fleet: unit.fleet,
          revision: unit.lastAppliedRevision,
        },
      )
    else if (toldStall !== undefined) stalled.set(fleetKey, toldStall)

    const seen = memory.applied.get(fleetKey)
    const revision = unit.lastAppliedRevision
    if (revision !== undefined) applied.set(fleetKey, revision)
    const changes = (status.lastPass?.changes ?? []).filter(
      (c) => c.outcome !== "unchanged" && (status.projects === undefined || c.fleet === unit.fleet),
    )
    // The first pass after start-up is told only when it changed something: a restart
    // with nothing to do says nothing.
    if (
      options.onApplied &&
      revision !== undefined &&
      revision !== seen &&
      (seen !== undefined || changes.length > 0)
    )
      event("Applied", "info", `revision ${shortRevision(revision)} applied (${where(source, unit.fleet)})`, {
        fleet: unit.fleet,
        revision,
        detail: changes.length === 0 ? "no service changed" : changes.map(changeLine).join("\n"),
      })
  }

  let failing = memory.failing
  if (status.phase === "Failing") {
    failing = failing ?? { since: now, told: false }
    if (!failing.told && now - failing.since >= options.failingAfterMs) {
      failing = { ...failing, told: true }
      event(
        "FetchFailing",
        "error",
        `passes of source ${source} have failed for ${formatDuration(now - failing.since)} (since ${new Date(failing.since).toISOString()})`,
        {
          fleet: status.fleet,
          ...(status.lastPass?.error === undefined ? {} : { detail: status.lastPass.error }),
        },
      )
    }
  } else if (failing !== undefined && status.phase !== "Reconciling") {
    if (failing.told)
      event(
        "FetchRecovered",
        "success",
        `passes of source ${source} succeed again (failing since ${new Date(failing.since).toISOString()})`,
        {
          fleet: status.fleet,
          revision: status.lastAttemptedRevision,
        },
      )
    failing = undefined
  }

  let rollout = memory.rollout
  const rolled = rolloutChange(rollout, status)
  if (rolled !== undefined) {
    rollout = { revision: rolled.revision, state: rolled.state }
    event(
      rolloutKind[rolled.state],
      rolloutSeverity[rolled.state],
      `revision ${shortRevision(rolled.revision)} ${rolloutVerb[rolled.state]} (${where(source, status.fleet)})`,
      {
        fleet: status.fleet,
        revision: rolled.revision,
        ...(rolled.detail === undefined ? {} : { detail: rolled.detail }),
      },
    )
  }

  return {
    events,
    memory: {
      services,
      stalled,
      applied,
      ...(failing === undefined ? {} : { failing }),
      ...(rollout === undefined ? {} : { rollout }),
    },
  }
}
