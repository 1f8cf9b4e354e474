import { Option, Schema } from "effect"

/** The prefix of the line a standby logs when the new fleetd failed (superviseHandover.ts). */
export const failedPrefix = "handover: the new fleetd failed: "

const JsonLine = Schema.Struct({
  message: Schema.String,
  annotations: Schema.optionalKey(Schema.Struct({ logs: Schema.optionalKey(Schema.String) })),
})

/**
 * Why a standby gave up, and the new fleetd's last lines, read back from the standby's
 * log: the line it wrote as JSON (`--log-format json`, the image's default), or as text.
 * Undefined when the log does not say (it was cut short, or rotated away).
 */
export const standbyVerdict = (log: string): { reason: string; logs?: string } | undefined => {
  const line = log.split("\n").findLast((l) => l.includes(failedPrefix))
  if (line === undefined) return undefined
  let json: unknown
  try {
    json = JSON.parse(line)
  } catch {
    return { reason: line.slice(line.indexOf(failedPrefix) + failedPrefix.length).trim() }
  }
  const decoded = Schema.decodeUnknownOption(JsonLine)(json)
  if (Option.isNone(decoded))
    return { reason: line.slice(line.indexOf(failedPrefix) + failedPrefix.length).trim() }
  const { message, annotations } = decoded.value
  const logs = annotations?.logs
  return {
    reason: message.slice(message.indexOf(failedPrefix) + failedPrefix.length),
    ...(logs === undefined ? {} : { logs }),
  }
}
