import { describe, expect, it } from "vitest"
import {
  decideLease,
  describeHolder,
  type LeaseHolder,
  type LeaseRecord,
  leaseLabels,
  leaseRecordOf,
} from "../../../src/daemon/leaseDecision.ts"

const holder = (id: string): LeaseHolder => ({
  id,
  host: `host-${id}`,
  pid: 7,
  command: "run",
  startedAt: "2026-12-04T03:00:00.000Z",
})
const record = (seq: number, id: string, extra: Partial<LeaseRecord> = {}): LeaseRecord => ({
  seq,
  holder: holder(id),
  ttlMs: 30_000,
  released: false,
  ...extra,
})

describe("decideLease", () => {
  it.each([
    {
      case: "no record: free, first record",
      records: [],
      seen: undefined,
      now: 0,
      want: { _tag: "Free", next: 1 },
    },
    {
      case: "our record is the newest: ours",
      records: [record(3, "me"), record(2, "other")],
      seen: undefined,
      now: 0,
      want: { _tag: "Ours", seq: 3 },
    },
    {
      case: "another's record first seen now: held until a ttl from now",
      records: [record(4, "other")],
      seen: undefined,
      now: 1_000,
      want: { _tag: "Held", holder: holder("other"), expiresAt: 31_000 },
    },
    {
      case: "the same record seen for less than its ttl: still held",
      records: [record(4, "other")],
      seen: { seq: 4, at: 1_000 },
      now: 30_999,
      want: { _tag: "Held", holder: holder("other"), expiresAt: 31_000 },
    },
    {
      case: "the same record seen for its ttl: expired, take over with the next seq",
      records: [record(4, "other")],
      seen: { seq: 4, at: 1_000 },
      now: 31_000,
      want: { _tag: "Expired", next: 5, previous: holder("other") },
    },
    {
      case: "a renewal (newer seq) restarts the count, however long we watched the old one",
      records: [record(5, "other"), record(4, "other")],
      seen: { seq: 4, at: 1_000 },
      now: 90_000,
      want: { _tag: "Held", holder: holder("other"), expiresAt: 120_000 },
    },
    {
      case: "the holder's own ttl counts, not ours",
      records: [record(2, "other", { ttlMs: 5_000 })],
      seen: { seq: 2, at: 0 },
      now: 5_000,
      want: { _tag: "Expired", next: 3, previous: holder("other") },
    },
    {
      case: "a released record: free at once",
      records: [record(6, "other", { released: true }), record(5, "other")],
      seen: undefined,
      now: 0,
      want: { _tag: "Free", next: 7, previous: holder("other") },
    },
    {
      case: "our own older record under another's newer one: held by the other (we lost it)",
      records: [record(8, "other"), record(7, "me")],
      seen: { seq: 7, at: 0 },
      now: 100,
      want: { _tag: "Held", holder: holder("other"), expiresAt: 30_100 },
    },
  ])("$case", ({ records, seen, now, want }) => {
    expect(decideLease(records, "me", seen, now).decision).toEqual(want)
  })

  it("remembers when it first saw the newest record, and forgets it when there is none", () => {
    expect(decideLease([record(4, "other")], "me", { seq: 3, at: 0 }, 500).seen).toEqual({ seq: 4, at: 500 })
    expect(decideLease([record(4, "other")], "me", { seq: 4, at: 100 }, 500).seen).toEqual({
      seq: 4,
      at: 100,
    })
    expect(decideLease([], "me", { seq: 4, at: 100 }, 500).seen).toBeUndefined()
  })
})

describe("lease records as labels", () => {
  it("round-trip through labels", () => {
    const r = record(12, "abc", { released: true, ttlMs: 9_000 })
    expect(leaseRecordOf(leaseLabels("web", r))).toEqual(r)
  })

  it("name the config file's source that holds the lease, so a second source claiming the fleet is told whose it is", () => {
    const r = record(3, "abc")
    const held = { ...r, holder: { ...r.holder, source: "shop" } }
    expect(leaseRecordOf(leaseLabels("web", held))).toEqual(held)
    expect(describeHolder(held.holder)).toMatch(/^fleetd run \(source shop\) on /)
    expect(describeHolder(r.holder)).not.toContain("source")
  })

  it.each([
    { case: "no seq", drop: "fleetd.lease.seq" },
    { case: "no id", drop: "fleetd.lease.id" },
    { case: "no ttl", drop: "fleetd.lease.ttl-ms" },
  ])("ignore a volume that is not a record fleetd wrote ($case)", ({ drop }) => {
    const labels: Record<string, string> = { ...leaseLabels("web", record(1, "abc")) }
    delete labels[drop]
    expect(leaseRecordOf(labels)).toBeUndefined()
  })
})
