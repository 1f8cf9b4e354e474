import type { Effect } from "effect"
import type { ConfiguredSource } from "../config/loadConfigFile.ts"
import type { PassJournal } from "../history/PassJournal.ts"
import type { Metrics } from "../observability/Metrics.ts"
import type { Triggers } from "../triggers/Triggers.ts"
import type { FleetLease } from "./FleetLease.ts"
import type { StatusStore } from "./StatusStore.ts"

/**
 * One source the daemon follows, while it runs: what the HTTP routes need to reach it
 * (request a pass, read its status and leases) and how to stop it. Its services live
 * in a scope of its own, so stopping one source closes exactly its loop, watcher and
 * leases.
 */
export interface RunningSource {
  readonly name: string
  readonly configured: ConfiguredSource
  readonly triggers: Triggers["Service"]
  readonly status: StatusStore["Service"]
  readonly lease: FleetLease["Service"]
  /** Its view of the daemon's metrics (every sample labelled `source`). */
  readonly metrics: Metrics["Service"]
  /** Its pass history (docs/history.md). */
  readonly history: PassJournal["Service"]
  /** False once its loop has died (it never ends on its own). */
  readonly alive: Effect.Effect<boolean>
  /** Stops its loop between engine actions; its leases stay held until `stop`. */
  readonly halt: Effect.Effect<void>
  /** Stops its loop (if still running), then releases its leases and watchers. */
  readonly stop: Effect.Effect<void>
}
