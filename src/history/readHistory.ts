import { Effect } from "effect"
import { Sources } from "../daemon/Sources.ts"
import type { HistoryEntry } from "./HistoryEntry.ts"
import { defaultHistoryPage, maxHistoryPage } from "./historyPage.ts"

/** Which passes to give: of one source, of one fleet, and how many (the newest). */
export interface HistoryQuery {
  readonly source?: string
  readonly fleet?: string
  readonly limit?: number
}

/** Pure: passes of any sources → the query's, newest first (by finish time). */
export const selectHistory = (
  entries: ReadonlyArray<HistoryEntry>,
  query: HistoryQuery,
): ReadonlyArray<HistoryEntry> => {
  const limit = Math.min(Math.max(query.limit ?? defaultHistoryPage, 0), maxHistoryPage)
  return entries
    .map((entry, index) => ({ entry, index }))
    .filter(
      ({ entry }) =>
        (query.source === undefined || entry.source === query.source) &&
        (query.fleet === undefined || entry.fleets.includes(query.fleet)),
    )
    .sort((a, b) =>
      a.entry.finishedAt === b.entry.finishedAt
        ? b.index - a.index
        : a.entry.finishedAt < b.entry.finishedAt
          ? 1
          : -1,
    )
    .slice(0, limit)
    .map(({ entry }) => entry)
}

/**
 * The daemon's pass history across the sources it runs now, newest first: what
 * `GET /status/history` answers (docs/history.md). Never fails: a journal that cannot be
 * read counts as empty (and is logged by its source).
 */
export const daemonHistory = (query: HistoryQuery) =>
  Effect.gen(function* () {
    const all = yield* (yield* Sources).all
    const wanted = query.source === undefined ? all : all.filter((s) => s.name === query.source)
    const lists = yield* Effect.forEach(wanted, (s) => s.history.read, { concurrency: "unbounded" })
    return selectHistory(lists.flat(), query)
  })
