import type { HistoryEntry } from "./HistoryEntry.ts"

/**
 * Pure: the entries to keep when the journal holds at most `limit` passes per fleet,
 * oldest first as given. A pass is kept while it is among the newest `limit` of any fleet
 * it concerned; a pass that concerned no fleet (the source failed before any was known)
 * counts against its source's own bound.
 */
export const keepLast = (
  entries: ReadonlyArray<HistoryEntry>,
  limit: number,
): ReadonlyArray<HistoryEntry> => {
  const counts = new Map<string, number>()
  const kept: Array<HistoryEntry> = []
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]
    if (entry === undefined) continue
    const keys =
      entry.fleets.length === 0 ? [`source:${entry.source}`] : entry.fleets.map((f) => `fleet:${f}`)
    if (!keys.some((k) => (counts.get(k) ?? 0) < limit)) continue
    for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1)
    kept.push(entry)
  }
  return kept.reverse()
}
