import { join } from "node:path"
import { Effect, Layer } from "effect"
import { DaemonConfig, type DaemonSettings } from "../config/DaemonConfig.ts"
import { defaultHistoryLimit, PassJournal } from "../history/PassJournal.ts"
import { normalizeFleetName } from "../manifest/fleetName.ts"
import { NoticeStore } from "../notify/NoticeStore.ts"
import { SourceNotices } from "../notify/SourceNotices.ts"
import { Metrics } from "../observability/Metrics.ts"
import { PullLog } from "../reconciler/PullLog.ts"
import { DirSource } from "../source/DirSource.ts"
import { GitSource } from "../source/GitSource.ts"
import { FileWatcher } from "../triggers/FileWatcher.ts"
import { Triggers } from "../triggers/Triggers.ts"
import { flagsSourceName } from "./DaemonSetup.ts"
import { defaultLeaseTtl, FleetLease } from "./FleetLease.ts"
import { PassMemory } from "./PassMemory.ts"
import { StatusStore } from "./StatusStore.ts"

/** The repository's name, for its checkout directory: `https://host/org/app.git` → `app`. */
const repoName = (repo: string) =>
  normalizeFleetName(
    repo
      .replace(/\.git\/?$/, "")
      .split(/[/:]/)
      .pop() ?? "",
  ) || "repo"

/** A git source's checkout, in its data directory (the page reads commit subjects there). */
export const checkoutDir = (dataDir: string, repo: string) => join(dataDir, "checkout", repoName(repo))

/**
 * The services one source's loop runs with: its settings, checkout, pass requests,
 * status, memory across passes, history, watched files, fleet leases and pull log. Each source builds its own, so one
 * source's fetch, stall or backoff is nobody else's; the engine, the registry's digest
 * cache, the metrics registry and draining are the daemon's and come from outside.
 */
export const sourceLayer = (name: string, settings: DaemonSettings) => {
  const { source: sourceConfig } = settings
  const source =
    sourceConfig._tag === "Git"
      ? Layer.unwrap(
          Effect.map(Metrics, (m) =>
            GitSource.layer(sourceConfig, checkoutDir(settings.dataDir, sourceConfig.repo), {
              onFetch: m.recordGitFetch,
            }),
          ),
        )
      : DirSource.layer(sourceConfig.dir, settings.projects === undefined ? settings.path : undefined)
  // In git mode only local files can change under fleetd: watch them, if there are any.
  // With projects, each pass follows the files of the projects it loaded.
  const watcher =
    sourceConfig._tag === "Dir"
      ? FileWatcher.layer(
          settings.projects !== undefined
            ? []
            : [join(sourceConfig.dir, settings.path), join(sourceConfig.dir, ".env")],
        )
      : settings.localFiles === undefined
        ? FileWatcher.none
        : FileWatcher.layer([])
  const base = Layer.mergeAll(
    Triggers.layer,
    PassMemory.layer,
    Layer.succeed(DaemonConfig)(settings),
    PullLog.file(join(settings.dataDir, "pulls.json")),
    NoticeStore.file(join(settings.dataDir, "notices.json")),
    PassJournal.file(join(settings.dataDir, "history.jsonl"), {
      source: name,
      limit: settings.history ?? defaultHistoryLimit,
    }),
    source,
  )
  // The lease is released when the source stops (its scope closes after its loop's).
  const lease = FleetLease.layer({
    ttl: settings.leaseExpiry ?? defaultLeaseTtl,
    command: "run",
    ...(name === flagsSourceName ? {} : { source: name }),
  })
  return Layer.mergeAll(StatusStore.layer(settings.fleet), watcher, lease, SourceNotices.layer(name)).pipe(
    Layer.provideMerge(base),
    // Its metrics: the daemon's registry, every sample labelled with the source's name.
    Layer.provideMerge(Metrics.layerFor(name)),
  )
}
