import { Effect, Fiber } from "effect"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import { checkImages } from "../reconciler/checkImages.ts"
import { observeAndPlan } from "../reconciler/reconcile.ts"
import { planSwarmFleet } from "../reconciler/reconcileSwarm.ts"
import { retryEngine } from "../reconciler/retryEngine.ts"
import { formatViolations, loadWithPolicy } from "./loadWithPolicy.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"
import { type PlanView, planView } from "./planView.ts"
import { renderPlan } from "./renderPlan.ts"
import { reportFailure } from "./reportFailure.ts"
import { swarmPlanView } from "./swarmPlanView.ts"

/** `fleetd plan`: what apply would change on this host, and why. Reads the engine, changes nothing. */
export const plan = Effect.fn("cli.plan")(function* (args: CliArgs) {
  const output = yield* Output
  const engine = yield* ContainerEngine
  // The image list does not depend on the manifest: the engine answers it (and the
  // handshake before it) while this process reads the manifest, instead of after.
  // plan only reads, so listing before the manifest is known changes no decision; an
  // invalid manifest ends the command and this fiber with it, unjoined.
  const images = yield* Effect.forkChild(retryEngine(engine.listImages))
  const result = yield* loadWithPolicy(args)
  if (result._tag === "Exit") return result.code
  const { loaded, violations } = result
  if (violations.length > 0 && !args.json) yield* output.err(formatViolations(args.file, violations))
  const show = (view: PlanView) =>
    output
      .out(args.json ? JSON.stringify({ ...view, warnings: loaded.warnings }, null, 2) : renderPlan(view))
      .pipe(Effect.as(0))
  if (loaded.desired.target === "swarm")
    return yield* planSwarmFleet(loaded.desired, args.allowEmpty).pipe(
      Effect.flatMap(({ resources, actions }) =>
        show(swarmPlanView(loaded.desired.fleet, resources, actions)),
      ),
      Effect.catch((error) => reportFailure(args, error)),
    )
  // Tracked tags are resolved as apply would, so the plan shows a pending new digest.
  const checks = yield* checkImages(loaded.desired)
  const listed = Effect.all(
    { containers: retryEngine(engine.listContainers(loaded.desired.fleet)), images: Fiber.join(images) },
    { concurrency: 2 },
  )
  return yield* observeAndPlan(
    loaded.desired,
    args.allowEmpty,
    { images: checks.facts },
    undefined,
    listed,
  ).pipe(
    Effect.flatMap(({ planned }) => show(planView(planned))),
    Effect.catch((error) => reportFailure(args, error)),
  )
})
