import { Clock, Context, Effect, Layer, Ref, Semaphore } from "effect"
import type { FleetStatus } from "../domain/FleetStatus.ts"
import { NoticeStore } from "./NoticeStore.ts"
import { Notifier } from "./Notifier.ts"
import { emptyNoticeMemory, stateChanges } from "./stateChanges.ts"

/**
 * One source's side of the notifications: what was told about it so far, kept in its
 * NoticeStore (when one is provided) so a restart does not tell it again. Its loop calls
 * `observe` after each pass; the events go to the daemon's Notifier, which returns at once.
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
        const store = yield* Effect.serviceOption(NoticeStore)
        const memory = yield* Ref.make(store._tag === "Some" ? yield* store.value.load : emptyNoticeMemory)
        // The loop and a first creation's health watch both observe: one at a time, so the
        // file never gets an older memory after a newer one.
        const lock = yield* Semaphore.make(1)
        return SourceNotices.of({
          observe: (status) =>
            Effect.gen(function* () {
              const now = yield* Clock.currentTimeMillis
              const events = yield* Ref.modify(memory, (m) => {
                const next = stateChanges(name, m, status, now, notifier.value.notice)
                return [next.events, next.memory]
              })
              if (events.length > 0) yield* notifier.value.offer(events)
              // Saved once offered: a message queued when fleetd stops is not sent again.
              if (store._tag === "Some") yield* Effect.flatMap(Ref.get(memory), store.value.save)
            }).pipe(lock.withPermits(1)),
        })
      }),
    )
}
