import type { DaemonStatus, NotificationTargetStatus, Phase, SourceStatus } from "../domain/FleetStatus.ts"
import type { ConfigState } from "./Sources.ts"
import { notReadyReasons } from "./StatusStore.ts"

/** Worst first: the daemon's phase is its worst source's. */
const phaseOrder: ReadonlyArray<Phase> = [
  "Failing",
  "Stalled",
  "Degraded",
  "Waiting",
  "Reconciling",
  "Progressing",
  "Starting",
  "Standby",
  "Synced",
]

/** Pure: the sources' statuses (with their leases) → `/status` (see DaemonStatus). */
export const daemonStatus = (
  sources: ReadonlyArray<SourceStatus>,
  config: ConfigState,
  notifications?: ReadonlyArray<NotificationTargetStatus>,
): DaemonStatus => {
  const file = config.file === undefined ? undefined : { ...config, file: config.file }
  const extra = {
    ...(file === undefined ? {} : { config: file }),
    ...(notifications === undefined ? {} : { notifications }),
  }
  const only = sources.length === 1 ? sources[0] : undefined
  if (only !== undefined) {
    const { name: _name, ...fields } = only
    return { ...fields, sources, ...extra }
  }
  const phase = phaseOrder.find((p) => sources.some((s) => s.phase === p)) ?? "Starting"
  // Every source talks to the one engine: the freshest answer is the most telling.
  const engine = sources.find((s) => s.engine.reachable === false)?.engine ??
    sources.find((s) => s.engine.reachable === true)?.engine ?? { reachable: undefined }
  return { phase, engine, sources, ...extra }
}

/**
 * Why the daemon is not ready (`GET /ready`), or nothing: each source's reasons, named
 * by source when there are several, and a refused reload of the config file.
 */
export const daemonNotReady = (status: DaemonStatus): ReadonlyArray<string> => [
  ...(status.config?.error === undefined
    ? []
    : [
        `the config file ${status.config.file} was not reloaded (the configuration loaded at ${status.config.loadedAt} runs): ${status.config.error.message}`,
      ]),
  ...status.sources.flatMap((s) =>
    notReadyReasons(s).map((reason) =>
      status.sources.length === 1 ? reason : `source ${s.name}: ${reason}`,
    ),
  ),
]
