import { Clock, Duration, Effect, Random } from "effect"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import { Metrics } from "../observability/Metrics.ts"
import { Triggers } from "../triggers/Triggers.ts"
import { daemonPass } from "./daemonPass.ts"
import { StatusStore } from "./StatusStore.ts"

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
 * action is uninterruptible (runAction).
 */
export const runLoop = Effect.gen(function* () {
  const config = yield* DaemonConfig
  const triggers = yield* Triggers
  const metrics = yield* Metrics
  const status = yield* StatusStore
  const interval = Duration.toMillis(config.interval)
  let failures = 0
  let sources: ReadonlyArray<string> = ["startup"]
  yield* metrics.recordTrigger("startup")
  for (;;) {
    const outcome = yield* daemonPass(sources)
    failures = outcome.retry ? failures + 1 : 0
    const wait = yield* failures > 0
      ? jitter(Math.min(backoffMillis(failures), interval), 0.2)
      : jitter(interval, 0.1)
    const now = yield* Clock.currentTimeMillis
    yield* status.update((s) => ({ ...s, nextPassAt: new Date(now + wait).toISOString() }))
    sources = yield* triggers.await(Duration.millis(wait))
    if (sources.length === 0) {
      const source = failures > 0 ? "retry" : "poll"
      yield* metrics.recordTrigger(source)
      sources = [source]
    }
  }
})
