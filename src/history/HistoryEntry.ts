import { Schema } from "effect"
import type { FleetStatus, PassChange, PassStatus, ServiceStatus } from "../domain/FleetStatus.ts"
import type { PassResult } from "../domain/statusVocabulary.ts"

/** What a changed service held after the pass: its error (failures) or its change (hooks, build). */
export interface HistoryService {
  readonly service: string
  /** The project's fleet, for a `--projects` source. */
  readonly fleet?: string
  readonly outcome: string
  /** For a failed, blocked or rolled-back service: the message (with the log tail), hooks and build. */
  readonly error?: ServiceStatus["lastError"]
  /** For a service the pass changed: the change, with its hook results and build. */
  readonly change?: ServiceStatus["lastChange"]
}

/**
 * One finished pass as the journal keeps it (docs/history.md). `id` counts passes since
 * the daemon started, so `run` (when that daemon process started) tells one run's pass 3
 * from the next run's: (`source`, `run`, `id`) is unique.
 */
export interface HistoryEntry {
  readonly source: string
  /** The fleets the pass concerned (a `--projects` source has several); empty before any was known. */
  readonly fleets: ReadonlyArray<string>
  /** When the daemon process that ran the pass started, ISO 8601. */
  readonly run: string
  readonly id?: number
  readonly triggers: ReadonlyArray<string>
  readonly startedAt: string
  readonly finishedAt: string
  readonly durationMs: number
  readonly result: PassResult
  readonly revision?: string
  readonly error?: string
  readonly changes?: ReadonlyArray<PassChange>
  readonly services?: ReadonlyArray<HistoryService>
}

/** Outcomes that leave the service as it was: nothing to record about it. */
const untouched = new Set(["unchanged", "held", "suspended"])
const failures = new Set(["failed", "blocked", "rolled-back"])

/** The fleets a pass concerned: its changes' projects, else the source's fleet or projects. */
const fleetsOf = (changes: ReadonlyArray<PassChange>, status: FleetStatus): ReadonlyArray<string> => {
  const named = [...new Set(changes.flatMap((c) => (c.fleet === undefined ? [] : [c.fleet])))]
  if (named.length > 0) return named
  if (status.fleet !== undefined) return [status.fleet]
  return (status.projects ?? []).map((p) => p.fleet)
}

/** Pure: a finished pass and the status it left → the journal's record of it. */
export const historyEntry = (
  source: string,
  run: string,
  pass: PassStatus,
  status: FleetStatus,
): HistoryEntry => {
  const changes = pass.changes ?? []
  const services = changes.flatMap((c): ReadonlyArray<HistoryService> => {
    if (untouched.has(c.outcome)) return []
    const list =
      c.fleet === undefined ? status.services : status.projects?.find((p) => p.fleet === c.fleet)?.services
    const now = list?.find((s) => s.name === c.service)
    const failed = failures.has(c.outcome)
    return [
      {
        service: c.service,
        ...(c.fleet === undefined ? {} : { fleet: c.fleet }),
        outcome: c.outcome,
        ...(failed && now?.lastError !== undefined ? { error: now.lastError } : {}),
        ...(!failed && now?.lastChange !== undefined ? { change: now.lastChange } : {}),
      },
    ]
  })
  const finishedAt = pass.finishedAt ?? pass.startedAt
  return {
    source,
    fleets: fleetsOf(changes, status),
    run,
    ...(pass.id === undefined ? {} : { id: pass.id }),
    triggers: pass.triggers,
    startedAt: pass.startedAt,
    finishedAt,
    durationMs: pass.durationMs ?? 0,
    result: pass.result ?? "error",
    ...(pass.revision === undefined ? {} : { revision: pass.revision }),
    ...(pass.error === undefined ? {} : { error: pass.error }),
    ...(pass.changes === undefined ? {} : { changes: pass.changes }),
    ...(services.length === 0 ? {} : { services }),
  }
}

/**
 * The fields every reader of the journal relies on (sorting, filtering, bounding): a line
 * without them is corrupt. The rest is what this daemon wrote, passed through as it is.
 */
const EntryShape = Schema.Struct({
  source: Schema.String,
  fleets: Schema.Array(Schema.String),
  run: Schema.String,
  triggers: Schema.Array(Schema.String),
  startedAt: Schema.String,
  finishedAt: Schema.String,
  durationMs: Schema.Number,
  result: Schema.Literals(["success", "partial", "stalled", "error", "skipped"]),
})

const hasShape = Schema.is(EntryShape)

export const isHistoryEntry = (u: unknown): u is HistoryEntry => hasShape(u)

/**
 * Pure: a pass not worth a record: it changed nothing, failed nothing, and ended like the
 * source's previous recorded pass, at the same revision (a poll finding all in sync).
 * Recording those would push the passes that did something out of the bound within hours.
 */
export const isQuiet = (entry: HistoryEntry, previous: HistoryEntry | undefined): boolean =>
  previous !== undefined &&
  (entry.result === "success" || entry.result === "skipped") &&
  entry.error === undefined &&
  (entry.changes ?? []).every((c) => untouched.has(c.outcome)) &&
  entry.result === previous.result &&
  entry.revision === previous.revision
