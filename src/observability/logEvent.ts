import { Effect } from "effect"

type Level = "Debug" | "Info" | "Warn" | "Error"

const loggers = {
  Debug: Effect.logDebug,
  Info: Effect.logInfo,
  Warn: Effect.logWarning,
  Error: Effect.logError,
} as const

/**
 * One log line: a short message plus structured fields, which the JSON logger writes
 * as `annotations` (so collectors can index them) and the pretty logger as key=value.
 * Fields must never hold a secret: callers pass revisions, names and reasons only.
 */
export const logEvent = (level: Level, message: string, fields: Readonly<Record<string, unknown>> = {}) =>
  loggers[level](message).pipe(Effect.annotateLogs(fields))
