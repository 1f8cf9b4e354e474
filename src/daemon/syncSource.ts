import { Effect, Result } from "effect"
import { ManifestSource } from "../source/ManifestSource.ts"
import { PassMemory } from "./PassMemory.ts"

/**
 * Fetches the source, except for a pass that only image pushes asked for: a pushed tag
 * changes digests, not the repository, so the snapshot the last pass read is checked
 * again without a fetch (which may take seconds on a slow remote).
 */
export const syncSource = (triggers: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const memory = yield* PassMemory
    const imagesOnly = triggers.length > 0 && triggers.every((t) => t.startsWith("image:"))
    const { snapshot } = yield* memory.get
    if (imagesOnly && snapshot !== undefined) return Result.succeed(snapshot)
    const synced = yield* Effect.result((yield* ManifestSource).sync)
    if (Result.isSuccess(synced)) yield* memory.update((m) => ({ ...m, snapshot: synced.success }))
    return synced
  })
