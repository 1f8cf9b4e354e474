import { Effect } from "effect"
import type { ConfiguredSource } from "../config/loadConfigFile.ts"
import { logEvent } from "../observability/logEvent.ts"
import { MetricsRegistry } from "../observability/MetricsRegistry.ts"
import { pruneFleet } from "../reconciler/projectFleets.ts"
import type { RunningSource } from "./RunningSource.ts"
import { Sources } from "./Sources.ts"
import { sourceFingerprint } from "./sourceFingerprint.ts"
import { startSource } from "./startSource.ts"

/** The fleets a source manages now, as its status says: its fleet, or one per project. */
const fleetsOf = (source: RunningSource) =>
  Effect.map(source.status.get, (s) => [
    ...(s.fleet === undefined ? [] : [s.fleet]),
    ...(s.projects ?? []).map((p) => p.fleet),
  ])

/**
 * A source left the config file. Its loop stops between engine actions; with `prune:
 * true` its fleets' containers and networks are removed while it still holds their
 * leases (volumes are kept, as `compose down` keeps them); otherwise they keep running.
 */
const retire = (source: RunningSource) =>
  Effect.gen(function* () {
    yield* source.halt
    if (source.configured.prune)
      for (const fleet of yield* fleetsOf(source)) {
        const pruned = yield* Effect.result(
          pruneFleet(fleet, "pruned", source.configured.settings.concurrency),
        )
        yield* pruned._tag === "Success"
          ? logEvent("Info", `source ${source.name} removed: fleet ${fleet} pruned`)
          : logEvent(
              "Error",
              `source ${source.name} removed: pruning fleet ${fleet} failed: ${pruned.failure.message}`,
            )
      }
    yield* source.stop
    // Its series go with it; a source that only restarts keeps its counters.
    yield* (yield* MetricsRegistry).removeSource(source.name)
  })

/**
 * Makes the running sources match `wanted` (the config file, in its order): a source
 * that is new starts, one that is gone is retired, one whose settings changed is
 * restarted (stopped, then started anew), and one that is unchanged is left alone —
 * its loop, checkout and backoff go on as they were. Uninterruptible: stopping a source
 * waits for its current engine action, so shutdown may wait that long.
 */
export const applySources = (wanted: ReadonlyArray<ConfiguredSource>) =>
  // Whole, or not at all: a source started but not yet recorded would outlive shutdown.
  Effect.uninterruptible(
    Effect.gen(function* () {
      const sources = yield* Sources
      const running = new Map((yield* sources.all).map((s) => [s.name, s]))
      const keep = new Set<string>()
      for (const w of wanted) {
        const current = running.get(w.name)
        if (current !== undefined && sourceFingerprint(current.configured) === sourceFingerprint(w))
          keep.add(w.name)
      }
      const stopped = [...running.values()].filter((s) => !keep.has(s.name))
      yield* Effect.forEach(stopped, (s) => (wanted.some((w) => w.name === s.name) ? s.stop : retire(s)), {
        concurrency: "unbounded",
        discard: true,
      })
      const next: Array<RunningSource> = []
      for (const w of wanted) {
        const kept = running.get(w.name)
        if (kept !== undefined && keep.has(w.name)) next.push(kept)
        else {
          next.push(yield* startSource(w))
          yield* logEvent(
            "Info",
            `source ${w.name} ${running.has(w.name) ? "restarted: its settings changed" : "started"}`,
          )
        }
      }
      yield* sources.set(next)
    }),
  )
