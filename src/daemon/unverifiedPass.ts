import { Effect } from "effect"
import type { StalledStatus } from "../domain/FleetStatus.ts"
import { logEvent } from "../observability/logEvent.ts"
import { Metrics } from "../observability/Metrics.ts"
import type { SourceError } from "../source/ManifestSource.ts"
import type { PassOutcome } from "./daemonPass.ts"
import type { passFinisher } from "./recordPass.ts"
import { StatusStore } from "./StatusStore.ts"

/**
 * A pass whose revision --verify-commits refused (`Unverified`): stalled like an invalid
 * manifest. Nothing was checked out, so the last verified revision keeps running;
 * /ready, /status, the page and a notification say why. The refusal is checked again on
 * every pass (the operator may add the key), but told at error level only once per
 * revision: a poll that finds the same refused head logs at debug.
 */
export const unverifiedPass = (
  error: SourceError & { readonly revision: string },
  finish: ReturnType<typeof passFinisher>,
) =>
  Effect.gen(function* () {
    const status = yield* StatusStore
    const metrics = yield* Metrics
    const { revision } = error
    const before = yield* status.get
    const again = before.stalled?.revision === revision && before.stalled.unverified === true
    if (again) yield* logEvent("Debug", "pass: revision is still refused by --verify-commits", { revision })
    else yield* logEvent("Error", `pass: revision stalled: ${error.message}`, { revision })
    const stalled: StalledStatus = { revision, reason: error.message, issues: [], unverified: true }
    const seconds = yield* finish(
      again ? "skipped" : "stalled",
      revision,
      (s) => ({ ...s, phase: "Stalled", stalled, lastAttemptedRevision: revision }),
      error.message,
    )
    yield* metrics.recordPass(again ? "skipped" : "stalled", seconds, [])
    yield* metrics.setStalled(true)
    const outcome: PassOutcome = { result: again ? "skipped" : "stalled", retry: false }
    return outcome
  })

/** The refused revision, when the source said `Unverified`. */
export const refusedRevision = (
  error: SourceError,
): (SourceError & { readonly revision: string }) | undefined =>
  error.reason === "Unverified" && error.revision !== undefined
    ? (error as SourceError & { readonly revision: string })
    : undefined
