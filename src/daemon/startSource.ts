import { Context, Effect, Exit, Fiber, Layer, Scope } from "effect"
import type { ConfiguredSource } from "../config/loadConfigFile.ts"
import { PassJournal } from "../history/PassJournal.ts"
import { Metrics } from "../observability/Metrics.ts"
import { Triggers } from "../triggers/Triggers.ts"
import { FleetLease } from "./FleetLease.ts"
import { projectsPass } from "./projectsPass.ts"
import type { RunningSource } from "./RunningSource.ts"
import { runLoop, runLoopWith } from "./runLoop.ts"
import { StatusStore } from "./StatusStore.ts"
import { sourceLayer } from "./sourceLayer.ts"

/** A source's loop: over its one manifest, or over its projects. */
const loopOf = (configured: ConfiguredSource) =>
  configured.settings.projects === undefined ? runLoop : runLoopWith(projectsPass)

/**
 * Starts one source: its services in a scope of its own and its loop forked into that
 * scope, its log lines annotated with its name. The daemon's shared services (engine,
 * metrics, registry, draining) come from the caller's context. Stopping it closes the
 * scope: the loop stops between engine actions, then its leases are released.
 */
export const startSource = (configured: ConfiguredSource) => startSourceWith(configured, loopOf(configured))

/** startSource, running `run` in the source's scope instead of its loop (a standby: startStandby.ts). */
export const startSourceWith = <R>(configured: ConfiguredSource, run: Effect.Effect<unknown, never, R>) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(sourceLayer(configured.name, configured.settings), scope)
    const fiber = yield* Effect.forkIn(
      run.pipe(Effect.provideContext(context), Effect.annotateLogs({ source: configured.name })),
      scope,
    )
    return {
      name: configured.name,
      configured,
      triggers: Context.get(context, Triggers),
      status: Context.get(context, StatusStore),
      lease: Context.get(context, FleetLease),
      metrics: Context.get(context, Metrics),
      history: Context.get(context, PassJournal),
      alive: Effect.sync(() => fiber.pollUnsafe() === undefined),
      halt: Fiber.interrupt(fiber),
      stop: Scope.close(scope, Exit.void),
    } satisfies RunningSource
  })
