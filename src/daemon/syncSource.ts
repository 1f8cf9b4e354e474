import { Effect, Result } from "effect"
import { Metrics } from "../observability/Metrics.ts"
import { ManifestSource, type ReadAhead, type SyncedWith } from "../source/ManifestSource.ts"
import { PassMemory } from "./PassMemory.ts"
import { StatusStore } from "./StatusStore.ts"

/**
 * Fetches the source (a poll through `poll`, which may find nothing moved without
 * fetching), except for a pass that only image pushes asked for: a pushed tag
 * changes digests, not the repository, so the snapshot the last pass read is checked
 * again without a fetch (which may take seconds on a slow remote). A revision
 * --verify-commits accepted is recorded with its signer (status and metric) here, as
 * soon as it is known, whatever the pass then makes of it. With `read`, a source that
 * can (GitSource) reads a new checkout's files while it proves them clean: the result
 * then comes with the snapshot (`read`), else the caller reads them itself.
 */
export const syncSource = <A = never, R = never>(triggers: ReadonlyArray<string>, read?: ReadAhead<A, R>) =>
  Effect.gen(function* () {
    const memory = yield* PassMemory
    const imagesOnly = triggers.length > 0 && triggers.every((t) => t.startsWith("image:"))
    const { snapshot } = yield* memory.get
    if (imagesOnly && snapshot !== undefined) return Result.succeed<SyncedWith<A>>({ snapshot })
    // A pass only the poll interval started may be told nothing changed, cheaply; a pass
    // anyone asked for (a webhook, `fleetd sync`, a retry, start-up) fetches straight away.
    const source = yield* ManifestSource
    const pollOnly = triggers.length > 0 && triggers.every((t) => t === "poll")
    const reading = read === undefined ? undefined : source.reading?.(read)
    const synced = yield* Effect.result(
      reading !== undefined
        ? pollOnly
          ? reading.poll
          : reading.sync
        : Effect.map(
            pollOnly ? (source.poll ?? source.sync) : source.sync,
            (s): SyncedWith<A> => ({
              snapshot: s,
            }),
          ),
    )
    if (Result.isSuccess(synced)) {
      const { signer, revision } = synced.success.snapshot
      yield* memory.update((m) => ({ ...m, snapshot: synced.success.snapshot }))
      if (signer !== undefined) {
        yield* (yield* StatusStore).update((s) => ({ ...s, verified: { revision, ...signer } }))
        yield* (yield* Metrics).setSigner(signer)
      }
    }
    return synced
  })
