import { Effect } from "effect"
import type { ConfiguredSource } from "../config/loadConfigFile.ts"
import type { HandoverPlan } from "../domain/handover.ts"
import { Draining } from "../http/Draining.ts"
import { logEvent } from "../observability/logEvent.ts"
import { Sources } from "./Sources.ts"
import { startSourceWith } from "./startSource.ts"
import { superviseHandover } from "./superviseHandover.ts"

/**
 * A standby (docs/self-update.md) applies nothing and refuses webhooks: it waits to take
 * over from the fleetd that started it (superviseHandover.ts). It runs no source's loop;
 * the first source's status store carries its `Standby` phase for `/status` and `/ready`.
 * An engine that stays unreachable mid-takeover must not leave the fleets without a
 * fleetd: the standby exits, its restart policy (unless-stopped) starts it again, and it
 * goes on from what the container names say.
 */
export const startStandby = (first: ConfiguredSource, plan: HandoverPlan) =>
  Effect.gen(function* () {
    yield* (yield* Draining).start
    const supervisor = superviseHandover(plan).pipe(
      Effect.andThen(Effect.never),
      Effect.catch((e) =>
        logEvent("Error", `handover: the standby failed; exiting to be restarted: ${e.message}`).pipe(
          Effect.andThen(Effect.sync(() => process.exit(1))),
          Effect.andThen(Effect.never),
        ),
      ),
    )
    yield* (yield* Sources).set([yield* startSourceWith(first, supervisor)])
  })
