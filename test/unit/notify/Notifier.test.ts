import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import { TestClock } from "effect/testing"
import { defaultNotifierOptions, Notifier } from "../../../src/notify/Notifier.ts"
import type { NotifyEvent } from "../../../src/notify/NotifyEvent.ts"
import { defaultNoticeOptions } from "../../../src/notify/stateChanges.ts"
import type { TargetRequest } from "../../../src/notify/targets/NotifyTarget.ts"
import { parseTarget } from "../../../src/notify/targets/parseTarget.ts"

const target = (() => {
  const t = parseTarget("json://127.0.0.1:9/x?secret=s", 0)
  if (t instanceof Error) throw t
  return t
})()

const event = (key: string): NotifyEvent => ({
  kind: "ServiceFailed",
  severity: "error",
  source: "main",
  title: `event ${key}`,
  at: "2026-12-04T10:00:00.000Z",
  key,
})

/** A fake sender: records when each request came (TestClock ms), fails the first `failures`. */
const recorder = (failures: number) => {
  const sent: Array<{ at: number; title: string }> = []
  let left = failures
  const send = (request: TargetRequest) =>
    Effect.gen(function* () {
      sent.push({
        at: yield* Effect.clockWith((c) => c.currentTimeMillis),
        title: JSON.parse(request.body).title,
      })
      if (left > 0) {
        left--
        return yield* Effect.fail("the target answered HTTP 500")
      }
    })
  return { sent, send }
}

/** Lets the delivery fibers run up to `ms` of test time. */
const advance = (ms: number) => TestClock.adjust(Duration.millis(ms))

describe("Notifier", () => {
  it.effect("retries with exponential backoff, then delivers", () =>
    Effect.gen(function* () {
      const { sent, send } = recorder(2)
      const notifier = yield* Notifier.make([target], defaultNoticeOptions, send)
      yield* notifier.offer([event("a")])
      yield* advance(10_000)
      assert.deepStrictEqual(
        sent.map((s) => s.at),
        [0, 2000, 6000],
      )
      const [state] = yield* notifier.status
      assert.deepStrictEqual(state, { target: "json #1", failing: false, delivered: 1, dropped: 0 })
    }).pipe(Effect.scoped),
  )

  it.effect("a target that fails every attempt is reported failing, then recovers", () =>
    Effect.gen(function* () {
      const { sent, send } = recorder(5)
      const notifier = yield* Notifier.make([target], defaultNoticeOptions, send)
      yield* notifier.offer([event("a")])
      yield* advance(60_000)
      assert.strictEqual(sent.length, defaultNotifierOptions.attempts)
      const [failing] = yield* notifier.status
      assert.deepStrictEqual(failing, {
        target: "json #1",
        failing: true,
        lastError: "the target answered HTTP 500",
        since: new Date(30_000).toISOString(),
        delivered: 0,
        dropped: 1,
      })
      yield* notifier.offer([event("b")])
      yield* advance(1000)
      const [again] = yield* notifier.status
      assert.deepStrictEqual(again, { target: "json #1", failing: false, delivered: 1, dropped: 1 })
    }).pipe(Effect.scoped),
  )

  it.effect("the same change offered twice is one message", () =>
    Effect.gen(function* () {
      const { sent, send } = recorder(0)
      const notifier = yield* Notifier.make([target], defaultNoticeOptions, send)
      yield* notifier.offer([event("a"), event("a")])
      yield* notifier.offer([event("a")])
      yield* advance(5000)
      assert.deepStrictEqual(
        sent.map((s) => s.title),
        ["event a"],
      )
    }).pipe(Effect.scoped),
  )

  it.effect("rate-limited: at most one message a second per target, in order", () =>
    Effect.gen(function* () {
      const { sent, send } = recorder(0)
      const notifier = yield* Notifier.make([target], defaultNoticeOptions, send)
      yield* notifier.offer([event("a"), event("b"), event("c")])
      yield* advance(5000)
      assert.deepStrictEqual(sent, [
        { at: 0, title: "event a" },
        { at: 1000, title: "event b" },
        { at: 2000, title: "event c" },
      ])
    }).pipe(Effect.scoped),
  )

  it.effect("offering never waits for a target that hangs; a full queue drops and counts", () =>
    Effect.gen(function* () {
      const notifier = yield* Notifier.make([target], defaultNoticeOptions, () => Effect.never, {
        ...defaultNotifierOptions,
        queueSize: 2,
      })
      yield* notifier.offer([event("0")])
      yield* advance(1)
      for (let i = 1; i < 5; i++) yield* notifier.offer([event(String(i))])
      const [state] = yield* notifier.status
      // One in delivery (hanging), two waiting, two dropped.
      assert.strictEqual(state?.dropped, 2)
    }).pipe(Effect.scoped),
  )
})
