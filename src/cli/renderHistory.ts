import type { HookResult } from "../domain/HookResult.ts"
import type { HistoryEntry, HistoryService } from "../history/HistoryEntry.ts"
import { short } from "./renderStatus.ts"

/** Log lines kept under a failed service: the tail of its message (the container's last lines). */
const tailLines = 8

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`)

/** `2026-12-04T10:02:19.655Z` → `2026-12-04 10:02:19Z`: a terminal needs no milliseconds. */
const when = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, "Z")

/** `hook pre_deploy[0] run: ok (exit 0, 120 ms)`, or what went wrong. */
const hookLine = (h: HookResult) => {
  const how = h.skipped
    ? `skipped${h.error === undefined ? "" : `: ${h.error}`}`
    : `${h.ok ? "ok" : "FAILED"} (${h.exitCode === undefined ? "" : `exit ${h.exitCode}, `}${h.durationMs} ms)${h.error === undefined ? "" : `: ${h.error}`}`
  return `      hook ${h.phase}[${h.step}] ${h.kind}: ${how}`
}

const detailLines = (detail: HistoryService | undefined) => {
  const message = detail?.error?.message
  const hooks = detail?.error?.hooks ?? detail?.change?.hooks ?? []
  const lines = message === undefined ? [] : message.split("\n").slice(1).slice(-tailLines)
  return [...hooks.map(hookLine), ...lines.map((l) => `      | ${l}`)]
}

/**
 * `fleetd history` for a terminal: one line per pass (newest first as given: when it
 * ended, source and fleets, result, revision, triggers, duration, run and id), then each
 * service it changed, indented, with a failed one's log tail; unchanged services are
 * counted, not listed.
 */
export const renderHistory = (passes: ReadonlyArray<HistoryEntry>): string => {
  if (passes.length === 0) return "no passes recorded yet"
  return passes
    .flatMap((p) => {
      const fleets = p.fleets.length === 0 ? "" : ` ${p.fleets.join(",")}`
      const head = `${when(p.finishedAt)}  ${p.source}${fleets}  ${p.result}  ${short(p.revision)}  ${p.triggers.join(",")}  ${seconds(p.durationMs)}  (pass ${p.id ?? "?"} of run ${when(p.run)})`
      const changes = p.changes ?? []
      const changed = changes.filter((c) => c.outcome !== "unchanged")
      const quiet = changes.length - changed.length
      return [
        head,
        ...(p.error === undefined ? [] : [`    error: ${p.error}`]),
        ...changed.flatMap((c) => {
          const fields = c.fields === undefined ? "" : ` (${c.fields.join(", ")})`
          const detail = p.services?.find((s) => s.service === c.service && s.fleet === c.fleet)
          return [
            `    ${c.fleet === undefined ? "" : `${c.fleet}/`}${c.service}  ${c.outcome}${c.reason === undefined ? "" : `: ${c.reason.split("\n")[0]}`}${fields}`,
            ...detailLines(detail),
          ]
        }),
        ...(quiet === 0 ? [] : [`    ${quiet} unchanged`]),
      ]
    })
    .join("\n")
}
