import { Context, Duration, Effect, Layer, Queue } from "effect"
import type { NotificationTargetStatus } from "../domain/FleetStatus.ts"
import { logEvent } from "../observability/logEvent.ts"
import { isMessageEvent, type NotifyEvent } from "./NotifyEvent.ts"
import type { NoticeOptions } from "./stateChanges.ts"
import type { NotifyTarget, TargetRequest } from "./targets/NotifyTarget.ts"

export interface NotifierOptions {
  /** The daemon's public address, linked from messages (`FLEETD_PUBLIC_URL`); unset, no link. */
  readonly pageUrl?: string
  /** Attempts per message before it is dropped and the target reported failing. */
  readonly attempts: number
  /** The wait before the first retry; each next one waits twice as long. */
  readonly firstRetry: Duration.Duration
  /** At most one message per this long per target (chat services rate-limit webhooks). */
  readonly spacing: Duration.Duration
  /** Messages waiting per target; beyond, new ones are dropped (and counted). */
  readonly queueSize: number
}

export const defaultNotifierOptions: NotifierOptions = {
  attempts: 5,
  firstRetry: Duration.seconds(2),
  spacing: Duration.seconds(1),
  queueSize: 100,
}

/** The daemon's notifications: every source's loop offers its events; each target delivers them in order. */
export class Notifier extends Context.Service<
  Notifier,
  {
    /** Queues the events for every target and returns at once: delivery never slows a pass. */
    readonly offer: (events: ReadonlyArray<NotifyEvent>) => Effect.Effect<void>
    readonly status: Effect.Effect<ReadonlyArray<NotificationTargetStatus>>
    /** What the sources watch for (on_applied, fetch_failing_after). */
    readonly notice: NoticeOptions
  }
>()("fleetd/notify/Notifier") {
  /**
   * One queue and one delivery fiber per target, in the caller's scope. `send` does the
   * request (sendRequest; a fake in tests) and fails with a message safe to show.
   */
  static readonly make = (
    targets: ReadonlyArray<NotifyTarget>,
    notice: NoticeOptions,
    send: (request: TargetRequest) => Effect.Effect<void, string>,
    options: NotifierOptions = defaultNotifierOptions,
  ) =>
    Effect.gen(function* () {
      const lanes = yield* Effect.forEach(targets, (target) =>
        Effect.gen(function* () {
          const queue = yield* Queue.dropping<NotifyEvent>(options.queueSize)
          // Keys waiting or being delivered: the same change offered again is one message.
          const pending = new Set<string>()
          const state: { -readonly [K in keyof NotificationTargetStatus]: NotificationTargetStatus[K] } = {
            target: target.label,
            failing: false,
            delivered: 0,
            dropped: 0,
          }
          const attempt = (request: TargetRequest, n: number): Effect.Effect<void, string> =>
            send(request).pipe(
              Effect.catch((error) =>
                n + 1 >= options.attempts
                  ? Effect.fail(error)
                  : Effect.sleep(Duration.times(options.firstRetry, 2 ** n)).pipe(
                      Effect.andThen(attempt(request, n + 1)),
                    ),
              ),
            )
          const deliver = (event: NotifyEvent) =>
            Effect.suspend(() => attempt(target.request(event, options.pageUrl), 0)).pipe(
              Effect.matchEffect({
                onSuccess: () =>
                  Effect.gen(function* () {
                    if (state.failing)
                      yield* logEvent("Info", "notification target delivers again", { target: target.label })
                    state.delivered++
                    state.failing = false
                    delete state.lastError
                    delete state.since
                  }),
                onFailure: (error) =>
                  Effect.gen(function* () {
                    state.dropped++
                    state.lastError = error
                    if (!state.failing)
                      state.since = new Date(
                        yield* Effect.clockWith((c) => c.currentTimeMillis),
                      ).toISOString()
                    state.failing = true
                    yield* logEvent("Warn", "notification not delivered", {
                      target: target.label,
                      kind: event.kind,
                      attempts: options.attempts,
                      error,
                    })
                  }),
              }),
              // A defect in a request builder loses that message, never the lane.
              Effect.catchDefect((defect) =>
                logEvent("Error", "notification not delivered: internal error", {
                  target: target.label,
                  error: String(defect),
                }),
              ),
              Effect.ensuring(Effect.sync(() => pending.delete(event.key))),
            )
          yield* Effect.forkScoped(
            Effect.forever(
              Queue.take(queue).pipe(Effect.flatMap(deliver), Effect.andThen(Effect.sleep(options.spacing))),
            ),
          )
          return {
            state,
            offer: (event: NotifyEvent) =>
              Effect.sync(() => {
                if (!(target.accepts ?? isMessageEvent)(event) || pending.has(event.key)) return
                if (Queue.offerUnsafe(queue, event)) pending.add(event.key)
                else state.dropped++
              }),
          }
        }),
      )
      return Notifier.of({
        notice,
        offer: (events) =>
          Effect.forEach(lanes, (lane) => Effect.forEach(events, lane.offer, { discard: true }), {
            discard: true,
          }),
        status: Effect.sync(() => lanes.map((lane) => ({ ...lane.state }))),
      })
    })

  static readonly layer = (
    targets: ReadonlyArray<NotifyTarget>,
    notice: NoticeOptions,
    send: (request: TargetRequest) => Effect.Effect<void, string>,
    options?: NotifierOptions,
  ) => Layer.effect(Notifier, Notifier.make(targets, notice, send, options))
}
