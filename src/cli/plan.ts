import { Effect } from "effect"
import { observeAndPlan } from "../reconciler/reconcile.ts"
import { loadOrReport } from "./loadOrReport.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"
import { planView, renderPlan } from "./planView.ts"
import { reportFailure } from "./reportFailure.ts"

/** `fleetd plan`: what apply would change on this host, and why. Reads the engine, changes nothing. */
export const plan = Effect.fn("cli.plan")(function* (args: CliArgs) {
  const output = yield* Output
  const loaded = yield* loadOrReport(args)
  if (loaded === undefined) return 1
  return yield* observeAndPlan(loaded.desired, args.allowEmpty).pipe(
    Effect.flatMap(({ planned }) => {
      const view = planView(planned)
      return output.out(args.json ? JSON.stringify(view, null, 2) : renderPlan(view)).pipe(Effect.as(0))
    }),
    Effect.catch((error) => reportFailure(args, error)),
  )
})
