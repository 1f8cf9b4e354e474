import type { PassStatus } from "../domain/FleetStatus.ts"
import { short } from "./renderStatus.ts"

/** `sha256:` and 12 hex digits: enough of an image id to tell two apart, as `docker images` does. */
const shortImage = (id: string) => id.replace(/^(sha256:)?([0-9a-f]{12})[0-9a-f]+$/, "$1$2")

/**
 * `fleetd sync --wait` for a terminal: the pass's result, then one line per service
 * that did something (unchanged ones are counted), failures with their reason.
 */
export const renderSync = (pass: PassStatus): string => {
  const head = `pass ${pass.id ?? "?"}: ${pass.result ?? "running"} at ${short(pass.revision)}${pass.durationMs === undefined ? "" : ` in ${pass.durationMs} ms`} (${pass.triggers.join(", ")})`
  const changes = pass.changes ?? []
  const changed = changes.filter((c) => c.outcome !== "unchanged")
  const lines = changed.map((c) => {
    const name = c.fleet === undefined ? c.service : `${c.fleet}/${c.service}`
    const revisions =
      c.toRevision === undefined
        ? ""
        : ` ${c.fromRevision === undefined ? "" : `${short(c.fromRevision)} → `}${short(c.toRevision)}`
    const image =
      c.fromImage === undefined || c.toImage === undefined
        ? ""
        : `${revisions === "" ? " " : ", "}image ${shortImage(c.fromImage)} → ${shortImage(c.toImage)}`
    return `  ${name}: ${c.outcome}${c.reason === undefined ? "" : ` (${c.reason})`}${revisions}${image}`
  })
  const unchanged = changes.length - changed.length
  return [
    head,
    ...(pass.error === undefined ? [] : [`  error: ${pass.error}`]),
    ...lines,
    ...(unchanged > 0 ? [`  ${unchanged} unchanged`] : []),
  ].join("\n")
}
