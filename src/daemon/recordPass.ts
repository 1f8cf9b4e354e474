import { Clock, Effect, Option } from "effect"
import type { FleetStatus } from "../domain/FleetStatus.ts"
import type { PassResult } from "../domain/statusVocabulary.ts"
import { PassJournal } from "../history/PassJournal.ts"
import type { ChangeSet } from "../reconciler/ChangeSet.ts"
import { passChanges } from "./passChanges.ts"
import { StatusStore } from "./StatusStore.ts"

export const iso = (millis: number) => new Date(millis).toISOString()

/** The status's engine once a call to it failed: unreachable, and why (what else it knew is kept). */
export const unreachable = (engine: FleetStatus["engine"], error: string): FleetStatus["engine"] => ({
  ...engine,
  reachable: false,
  error,
})

/**
 * The end of a pass, whatever it did: `lastPass` filled in (with what it did to each
 * service, when it reconciled: `changeSets`), then `patch` applied to the status; the
 * pass is kept for a waiting `POST /sync` and recorded in the source's history, when it
 * has one (the daemon's sources do; one-shot commands and most tests do not). Gives the
 * pass's duration in seconds, for the metrics. A pass writes what it did to the status
 * here, once, at its end; before that only what it is doing (`Reconciling`, `Waiting`
 * for a lease).
 */
export const passFinisher = (triggers: ReadonlyArray<string>, startedAt: number, id?: number) =>
  Effect.fnUntraced(function* (
    result: PassResult,
    revision: string | undefined,
    patch: (s: FleetStatus, now: string) => FleetStatus,
    error?: string,
    changeSets?: ReadonlyArray<ChangeSet>,
  ) {
    const status = yield* StatusStore
    const now = yield* Clock.currentTimeMillis
    // The pass's end: it no longer rolls anything out.
    yield* status.update(({ rollingOut: _done, ...s }) =>
      patch(
        {
          ...s,
          lastPass: {
            ...(id === undefined ? {} : { id }),
            triggers,
            startedAt: iso(startedAt),
            finishedAt: iso(now),
            durationMs: now - startedAt,
            result,
            ...(revision === undefined ? {} : { revision }),
            ...(error === undefined ? {} : { error }),
            ...(changeSets === undefined ? {} : { changes: passChanges(changeSets, s) }),
          },
        },
        iso(now),
      ),
    )
    const after = yield* status.get
    const finished = after.lastPass
    if (finished !== undefined) {
      yield* status.passFinished(finished)
      const journal = yield* Effect.serviceOption(PassJournal)
      if (Option.isSome(journal)) yield* journal.value.record(finished, after)
    }
    return (now - startedAt) / 1000
  })

/** The start of a pass: status says it runs (and since when); gives the finisher. */
export const startPass = Effect.fnUntraced(function* (triggers: ReadonlyArray<string>) {
  const status = yield* StatusStore
  const startedAt = yield* Clock.currentTimeMillis
  const id = yield* status.passId
  yield* status.update((s) => ({
    ...s,
    phase: "Reconciling",
    lastPass: { ...(id === undefined ? {} : { id }), triggers, startedAt: iso(startedAt) },
  }))
  return { startedAt, finish: passFinisher(triggers, startedAt, id) }
})
