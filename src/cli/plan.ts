import { Effect } from "effect"
import { checkImages } from "../reconciler/checkImages.ts"
import { observeAndPlan } from "../reconciler/reconcile.ts"
import { formatViolations, loadWithPolicy } from "./loadWithPolicy.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"
import { planView } from "./planView.ts"
import { renderPlan } from "./renderPlan.ts"
import { reportFailure } from "./reportFailure.ts"

/** `fleetd plan`: what apply would change on this host, and why. Reads the engine, changes nothing. */
export const plan = Effect.fn("cli.plan")(function* (args: CliArgs) {
  const output = yield* Output
  const result = yield* loadWithPolicy(args)
  if (result._tag === "Exit") return result.code
  const { loaded, violations } = result
  if (violations.length > 0 && !args.json) yield* output.err(formatViolations(args.file, violations))
  // Tracked tags are resolved as apply would, so the plan shows a pending new digest.
  const checks = yield* checkImages(loaded.desired)
  return yield* observeAndPlan(loaded.desired, args.allowEmpty, { images: checks.facts }).pipe(
    Effect.flatMap(({ planned }) => {
      const view = planView(planned)
      const json = () => JSON.stringify({ ...view, warnings: loaded.warnings }, null, 2)
      return output.out(args.json ? json() : renderPlan(view)).pipe(Effect.as(0))
    }),
    Effect.catch((error) => reportFailure(args, error)),
  )
})
