import { Effect, Result } from "effect"
import { ManifestSource, type SourceSnapshot } from "../source/ManifestSource.ts"

/** Where a pass keeps the snapshot it read, for the next image-push pass. */
export interface SnapshotMemo {
  snapshot?: SourceSnapshot
}

/**
 * Fetches the source, except for a pass that only image pushes asked for: a pushed tag
 * changes digests, not the repository, so the snapshot the last pass read is checked
 * again without a fetch (which may take seconds on a slow remote).
 */
export const syncSource = (triggers: ReadonlyArray<string>, memo: SnapshotMemo) =>
  Effect.gen(function* () {
    const imagesOnly = triggers.length > 0 && triggers.every((t) => t.startsWith("image:"))
    if (imagesOnly && memo.snapshot !== undefined) return Result.succeed(memo.snapshot)
    const synced = yield* Effect.result((yield* ManifestSource).sync)
    if (Result.isSuccess(synced)) memo.snapshot = synced.success
    return synced
  })
