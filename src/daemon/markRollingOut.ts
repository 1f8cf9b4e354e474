import { Effect } from "effect"
import { SourceNotices } from "../notify/SourceNotices.ts"
import { StatusStore } from "./StatusStore.ts"

/**
 * The start of a pass's reconcile step: status says which revision it is applying
 * (`rollingOut`, cleared by the pass's finisher), and the source's notifications see it
 * at once, so a forge commit status can say `pending` while the rollout runs.
 */
export const markRollingOut = Effect.fnUntraced(function* (revision: string) {
  const status = yield* StatusStore
  yield* status.update((s) => ({ ...s, rollingOut: revision }))
  const notices = yield* Effect.serviceOption(SourceNotices)
  if (notices._tag === "Some") yield* Effect.flatMap(status.get, notices.value.observe)
})
