/**
 * The fleet lease's decisions, pure: given the lease records found on the engine, who
 * this process is and when it first saw the newest record, is the lease ours, free,
 * held by someone else, or expired? FleetLease.ts does the engine calls.
 *
 * A lease is a chain of immutable records (volumes `fleetd-lease-<fleet>-<seq>`): the
 * holder renews by creating record seq+1, a waiter takes an expired or released lease
 * by creating seq+1 too, and the engine lets exactly one creator of a name win. Expiry
 * is measured on the waiter's own clock from when it first saw the newest record, so
 * clocks of other hosts (or of the engine) never matter.
 */
import type { LeaseHolder } from "../domain/FleetStatus.ts"

export type { LeaseHolder }

export interface LeaseRecord {
  readonly seq: number
  readonly holder: LeaseHolder
  /** The holder's expiry: a waiter takes over after seeing no newer record for this long. */
  readonly ttlMs: number
  /** Written by a holder that let go (shutdown, end of apply): free at once. */
  readonly released: boolean
}

/** The newest record this process has seen, and when (its own clock) it first saw it. */
export interface Sighting {
  readonly seq: number
  readonly at: number
}

export type LeaseDecision =
  /** The newest record is ours: we hold the lease. */
  | { readonly _tag: "Ours"; readonly seq: number }
  /** No record, or a released one: create `next` to take it. */
  | { readonly _tag: "Free"; readonly next: number; readonly previous?: LeaseHolder }
  /** Another holder stopped renewing for its ttl: create `next` to take over. */
  | { readonly _tag: "Expired"; readonly next: number; readonly previous: LeaseHolder }
  /** Another holder renews it; it expires at `expiresAt` (our clock) unless renewed. */
  | { readonly _tag: "Held"; readonly holder: LeaseHolder; readonly expiresAt: number }

export const newestRecord = (records: ReadonlyArray<LeaseRecord>): LeaseRecord | undefined =>
  records.reduce<LeaseRecord | undefined>((a, r) => (a === undefined || r.seq > a.seq ? r : a), undefined)

/** What to do about a lease, and the sighting to remember for the next decision. */
export const decideLease = (
  records: ReadonlyArray<LeaseRecord>,
  me: string,
  seen: Sighting | undefined,
  now: number,
): { readonly decision: LeaseDecision; readonly seen: Sighting | undefined } => {
  const newest = newestRecord(records)
  if (newest === undefined) return { decision: { _tag: "Free", next: 1 }, seen: undefined }
  const sighting = seen?.seq === newest.seq ? seen : { seq: newest.seq, at: now }
  if (newest.released)
    return { decision: { _tag: "Free", next: newest.seq + 1, previous: newest.holder }, seen: sighting }
  if (newest.holder.id === me) return { decision: { _tag: "Ours", seq: newest.seq }, seen: sighting }
  const expiresAt = sighting.at + newest.ttlMs
  return {
    decision:
      now >= expiresAt
        ? { _tag: "Expired", next: newest.seq + 1, previous: newest.holder }
        : { _tag: "Held", holder: newest.holder, expiresAt },
    seen: sighting,
  }
}

/** `fleetd run on web-1 (pid 42, started 2026-12-04T03:00:00.000Z)`: the holder, for messages. */
export const describeHolder = (holder: LeaseHolder): string =>
  `fleetd ${holder.command}${holder.source === undefined ? "" : ` (source ${holder.source})`} on ${holder.host} (pid ${holder.pid}, started ${holder.startedAt})`

/** The engine object of record `seq`; Docker's and Podman's volume-name rules accept every fleet name. */
export const leaseVolumeName = (fleet: string, seq: number): string => `fleetd-lease-${fleet}-${seq}`

export const LeaseLabels = {
  fleet: "fleetd.lease",
  seq: "fleetd.lease.seq",
  id: "fleetd.lease.id",
  host: "fleetd.lease.host",
  pid: "fleetd.lease.pid",
  command: "fleetd.lease.command",
  /** The config file's source whose loop holds it (absent for apply and a daemon run from flags). */
  source: "fleetd.lease.source",
  startedAt: "fleetd.lease.started-at",
  ttlMs: "fleetd.lease.ttl-ms",
  released: "fleetd.lease.released",
} as const

export const leaseLabels = (fleet: string, record: LeaseRecord): Record<string, string> => ({
  [LeaseLabels.fleet]: fleet,
  [LeaseLabels.seq]: String(record.seq),
  [LeaseLabels.id]: record.holder.id,
  [LeaseLabels.host]: record.holder.host,
  [LeaseLabels.pid]: String(record.holder.pid),
  [LeaseLabels.command]: record.holder.command,
  ...(record.holder.source === undefined ? {} : { [LeaseLabels.source]: record.holder.source }),
  [LeaseLabels.startedAt]: record.holder.startedAt,
  [LeaseLabels.ttlMs]: String(record.ttlMs),
  ...(record.released ? { [LeaseLabels.released]: "true" } : {}),
})

/**
 * A volume's labels → its record, or undefined when they are not a lease record
 * fleetd wrote (a hand-made volume with the label is ignored, never trusted).
 */
export const leaseRecordOf = (labels: Readonly<Record<string, string>>): LeaseRecord | undefined => {
  const seq = Number(labels[LeaseLabels.seq])
  const pid = Number(labels[LeaseLabels.pid])
  const ttlMs = Number(labels[LeaseLabels.ttlMs])
  const id = labels[LeaseLabels.id]
  if (!Number.isSafeInteger(seq) || seq < 1 || !Number.isFinite(pid) || !(ttlMs > 0) || !id) return undefined
  return {
    seq,
    ttlMs,
    released: labels[LeaseLabels.released] === "true",
    holder: {
      id,
      pid,
      host: labels[LeaseLabels.host] ?? "unknown host",
      command: labels[LeaseLabels.command] ?? "unknown",
      ...(labels[LeaseLabels.source] === undefined ? {} : { source: labels[LeaseLabels.source] }),
      startedAt: labels[LeaseLabels.startedAt] ?? "unknown",
    },
  }
}
