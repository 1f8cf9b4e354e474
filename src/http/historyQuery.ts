import { maxHistoryPage } from "../history/historyPage.ts"
import type { HistoryQuery } from "../history/readHistory.ts"

/**
 * `?source=NAME&fleet=NAME&limit=N` (1 to 500, default 50) of `GET /status/history`, or
 * why they are not understood (answered 400).
 */
export const parseHistoryQuery = (query: URLSearchParams): HistoryQuery | string => {
  const source = query.get("source")
  const fleet = query.get("fleet")
  const limit = query.get("limit")
  const n = limit === null ? undefined : Number(limit)
  if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > maxHistoryPage))
    return `limit must be a whole number from 1 to ${maxHistoryPage}, not "${limit?.slice(0, 32)}"`
  return {
    ...(source === null || source === "" ? {} : { source }),
    ...(fleet === null || fleet === "" ? {} : { fleet }),
    ...(n === undefined ? {} : { limit: n }),
  }
}
