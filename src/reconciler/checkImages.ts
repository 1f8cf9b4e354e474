import { Clock, Effect, Option, type Result } from "effect"
import type { DesiredState } from "../domain/DesiredState.ts"
import { normalizeImageRef } from "../domain/imageRef.ts"
import type { ImageFacts } from "../planner/planImages.ts"
import { Registry } from "../registry/Registry.ts"
import { isRetryableRegistryError, type RegistryError } from "../registry/RegistryError.ts"
import type { ResourceResult } from "./ChangeSet.ts"
import { PullLog } from "./PullLog.ts"

export interface ImageChecks {
  readonly facts: ImageFacts
  /** Service → why its tracked image could not be checked: it is left exactly as it runs this pass. */
  readonly unchecked: ReadonlyMap<string, string>
  /** One failed result per tag the registry did not answer for. */
  readonly results: ReadonlyArray<ResourceResult>
  /** Some failure may fix itself (registry down, 5xx): the daemon retries sooner, with backoff. */
  readonly retry: boolean
}

/**
 * The image facts the planner cannot fetch itself: each tracked tag's current digest
 * (one request per distinct tag, concurrently; Registry caches within its TTL) and
 * which periodic pulls are due (PullLog). Without a Registry every tracked tag is
 * unchecked; without a PullLog every periodic pull is due (`fleetd apply`).
 */
export const checkImages = Effect.fnUntraced(function* (desired: DesiredState) {
  const active = desired.services.filter((s) => s.blocked === undefined && s.suspended === undefined)
  const tracked = [...new Set(active.filter((s) => s.track === "digest").map((s) => s.spec.image))].sort()
  const registry = yield* Effect.serviceOption(Registry)
  // Not logged here: `fleetd apply --json` owns stdout; the pass logs the failed services.
  const resolved = yield* Effect.forEach(
    tracked,
    (ref): Effect.Effect<readonly [string, Result.Result<string, RegistryError> | undefined]> =>
      Option.isSome(registry)
        ? Effect.result(registry.value.resolveDigest(ref)).pipe(
            Effect.map((result) => [ref, result] as const),
          )
        : Effect.succeed([ref, undefined] as const),
    { concurrency: 4 },
  )
  const digests = new Map<string, string>()
  const unchecked = new Map<string, string>()
  const results: Array<ResourceResult> = []
  let retry = false
  for (const [ref, result] of resolved) {
    if (result?._tag === "Success") {
      digests.set(ref, result.success)
      continue
    }
    const why = result === undefined ? "no registry client is configured" : result.failure.message
    retry ||= result === undefined ? false : isRetryableRegistryError(result.failure)
    const users = active.filter((s) => s.track === "digest" && s.spec.image === ref).map((s) => s.name)
    const reason = `cannot check ${ref} for a new digest: ${why}; ${users.join(", ")} left as ${users.length === 1 ? "it runs" : "they run"}`
    results.push({ kind: "image", name: ref, outcome: "failed", reason })
    for (const service of users) unchecked.set(service, reason)
  }

  const pullLog = yield* Effect.serviceOption(PullLog)
  const lastPulls = Option.isSome(pullLog) ? yield* pullLog.value.lastPulls : new Map<string, number>()
  const now = yield* Clock.currentTimeMillis
  const pullDue = new Set<string>()
  for (const service of active) {
    if (service.pullPolicy !== "periodic" || service.pullPeriodMs === undefined) continue
    const key = normalizeImageRef(service.spec.image)
    const last = lastPulls.get(key)
    if (last === undefined || now - last >= service.pullPeriodMs) pullDue.add(key)
  }
  return { facts: { digests, pullDue }, unchecked, results, retry } satisfies ImageChecks
})

/** Records the successful pulls of a pass, so periodic policies count from them. */
export const recordPulls = Effect.fnUntraced(function* (results: ReadonlyArray<ResourceResult>) {
  const pullLog = yield* Effect.serviceOption(PullLog)
  if (Option.isNone(pullLog)) return
  const pulled = results
    .filter((r) => r.kind === "image" && r.outcome === "pulled")
    .map((r) => normalizeImageRef(r.name))
  if (pulled.length > 0) yield* pullLog.value.record(pulled, yield* Clock.currentTimeMillis)
})
