import { Clock, Duration, Effect, Random } from "effect"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import { Draining } from "../http/Draining.ts"
import { SourceNotices } from "../notify/SourceNotices.ts"
import { logEvent } from "../observability/logEvent.ts"
import { Metrics } from "../observability/Metrics.ts"
import { Triggers } from "../triggers/Triggers.ts"
import { daemonPass, type PassOutcome } from "./daemonPass.ts"
import { StatusStore } from "./StatusStore.ts"

/**
 * Passes start at least this far apart. A trigger during the idle wait starts a pass
 * at once unless the previous one started less than this long ago; then it waits out
 * the rest, so a burst of deliveries (a forge retrying, a thousand pushes a second)
 * costs at most two passes, and a single push is still applied at once.
 */
export const minPassSpacingMillis = 1000

/** Backoff after consecutive retryable failures: 1 s, 2 s, 4 s ... capped at 60 s. */
const backoffMillis = (failures: number) => Math.min(1000 * 2 ** (failures - 1), 60_000)

/** ±`spread` of `millis`, so many hosts polling one remote do not do it in step. */
const jitter = (millis: number, spread: number) =>
  Random.next.pipe(Effect.map((r) => Math.round(millis * (1 - spread + 2 * spread * r))))

/**
 * The daemon's one loop fiber: a pass, then an idle wait that any trigger cuts short,
 * forever. Passes never overlap because only this fiber runs them; requests made
 * during a pass wait in Triggers and start exactly one follow-up pass. After a
 * retryable failure the wait shrinks to a jittered backoff (never longer than the poll
 * interval). Interrupting the fiber (shutdown) stops it between engine actions: each
 * action is uninterruptible (runAction). What passes remember for the next is in
 * PassMemory, the source's own.
 */
export const runLoopWith = <R>(
  pass: (triggers: ReadonlyArray<string>) => Effect.Effect<PassOutcome, never, R>,
) =>
  Effect.gen(function* () {
    const config = yield* DaemonConfig
    const triggers = yield* Triggers
    const metrics = yield* Metrics
    const status = yield* StatusStore
    const interval = Duration.toMillis(config.interval)
    let failures = 0
    let sources: ReadonlyArray<string> = ["startup"]
    yield* metrics.recordTrigger("startup")
    const draining = yield* Effect.serviceOption(Draining)
    const notices = yield* Effect.serviceOption(SourceNotices)
    for (;;) {
      // A daemon that is draining (shutting down, or handed over to a new fleetd by another
      // source's pass) starts no pass: it waits to be stopped.
      if (draining._tag === "Some" && (yield* draining.value.isDraining)) return yield* Effect.never
      const startedAt = yield* Clock.currentTimeMillis
      yield* status.setPassId(yield* triggers.begin)
      const outcome = yield* pass(sources)
      // Tells what changed in the status (notifications), queued: never slows the loop.
      if (notices._tag === "Some") yield* Effect.flatMap(status.get, notices.value.observe)
      if (outcome.handedOver === true) return yield* handedOver
      failures = outcome.retry ? failures + 1 : 0
      const wait =
        outcome.waitMs !== undefined
          ? outcome.waitMs
          : yield* failures > 0
              ? jitter(Math.min(backoffMillis(failures), interval), 0.2)
              : jitter(interval, 0.1)
      const now = yield* Clock.currentTimeMillis
      yield* status.update((s) => ({ ...s, nextPassAt: new Date(now + wait).toISOString() }))
      sources = yield* triggers.await(Duration.millis(wait))
      const sinceStart = (yield* Clock.currentTimeMillis) - startedAt
      if (sources.length > 0 && sinceStart < minPassSpacingMillis) {
        yield* Effect.sleep(Duration.millis(minPassSpacingMillis - sinceStart))
        sources = [...new Set([...sources, ...(yield* triggers.await(Duration.zero))])]
      }
      if (sources.length === 0) {
        const source = failures > 0 ? "retry" : "poll"
        yield* metrics.recordTrigger(source)
        sources = [source]
      }
    }
  })

/**
 * After a handover this process applies nothing more and refuses webhooks (503, so a
 * forge may retry against the new fleetd): its standby stops the container in a moment.
 * A push in between is not lost: the new fleetd's first pass fetches the branch head.
 */
const handedOver = Effect.gen(function* () {
  const draining = yield* Effect.serviceOption(Draining)
  if (draining._tag === "Some") yield* draining.value.start
  yield* logEvent(
    "Info",
    "handover: committed to the standby; this fleetd applies nothing more and waits to be stopped",
  )
  return yield* Effect.never
})

/** The loop over the single-manifest pass (daemonPass). */
export const runLoop = runLoopWith(daemonPass)
