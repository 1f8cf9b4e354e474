import { Clock, Context, Effect, Layer, Ref } from "effect"
import type { FleetStatus } from "../domain/FleetStatus.ts"
import { Notifier } from "./Notifier.ts"
import { emptyNoticeMemory, stateChanges } from "./stateChanges.ts"

/**
 * One source's side of the notifications: what was told about it so far. Its loop
 * calls `observe` after each pass; the events go to the daemon's Notifier, which
 * returns at once.
 */
export class SourceNotices extends Context.Service<
  SourceNotices,
  { readonly observe: (status: FleetStatus) => Effect.Effect<void> }
>()("fleetd/notify/SourceNotices") {
  /** For the source `name`; a daemon without notification targets observes nothing. */
  static readonly layer = (name: string) =>
    Layer.effect(
      SourceNotices,
      Effect.gen(function* () {
        const notifier = yield* Effect.serviceOption(Notifier)
        if (notifier._tag === "None") return SourceNotices.of({ observe: () => Effect.void })
        const memory = yield* Ref.make(emptyNoticeMemory)
        return SourceNotices.of({
          observe: (status) =>
            Effect.gen(function* () {
              const now = yield* Clock.currentTimeMillis
              const events = yield* Ref.modify(memory, (m) => {
                const next = stateChanges(name, m, status, now, notifier.value.notice)
                return [next.events, next.memory]
              })
              if (events.length > 0) yield* notifier.value.offer(events)
            }),
        })
      }),
    )
}
