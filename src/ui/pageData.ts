import type { DaemonStatus, PassStatus } from "../domain/FleetStatus.ts"
import type { CommitSummary } from "../source/commitSummary.ts"

/** Everything a page is rendered from: read afresh for every request and every event. */
export interface PageData {
  readonly status: DaemonStatus
  /** Per source name: its recorded passes, newest first (the history; `/passes` only). */
  readonly passes: ReadonlyMap<string, ReadonlyArray<PassStatus>>
  /** By sha: the subject and author of the revisions shown, when the git checkout has them. */
  readonly commits: ReadonlyMap<string, CommitSummary>
  /** Whether "Sync now" can work: FLEETD_UI_TOKEN is set (the button needs its session). */
  readonly canSync: boolean
}
