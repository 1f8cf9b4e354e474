import { Effect, type FileSystem, Layer, Logger } from "effect"
import { Output } from "./Output.ts"
import { type CliArgs, type ParsedArgs, usage } from "./parseCliArgs.ts"
import { version } from "./version.ts"

/*
 * Each command's modules load when that command runs, not before: `fleetd validate`
 * never loads the engine client, `--version` loads nothing at all, and the bundle
 * splits along these imports (rolldown.config.ts). Start-up is most of a one-shot
 * command's time (bench/startup.ts).
 */
const lazy = <A>(load: () => Promise<A>): Effect.Effect<A> => Effect.promise(load)

/** The engine, with the fleet lease apply holds for its run (released when it ends). */
const leasedEngineLayer = (args: CliArgs) =>
  Effect.gen(function* () {
    const [{ FleetLease }, engine] = yield* Effect.all([
      lazy(() => import("../daemon/FleetLease.ts")),
      engineLayer(args),
    ])
    return FleetLease.layer({ ttl: args.leaseExpiry, command: "apply" }).pipe(Layer.provideMerge(engine))
  })

const engineLayer = (args: CliArgs) =>
  Effect.map(
    lazy(() => import("./engineLayer.ts")),
    (m) => m.engineLayer(args),
  )

/** Runs one CLI invocation and gives its exit status: 0 ok, 1 invalid or failed, 2 usage. */
export const runCli = (parsed: ParsedArgs): Effect.Effect<number, never, Output | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const output = yield* Output
    switch (parsed._tag) {
      case "Help":
        yield* output.out(parsed.text)
        return 0
      case "Version":
        yield* output.out(`fleetd ${version}`)
        return 0
      case "Status":
        return yield* (yield* lazy(() => import("./status.ts"))).status(parsed.url, parsed.json)
      case "Sync":
        return yield* (yield* lazy(() => import("./sync.ts"))).sync(parsed.args)
      case "History":
        return yield* (yield* lazy(() => import("./history.ts"))).history(parsed.args)
      case "Daemon":
        return yield* Effect.die(new Error("the daemon is started by main.ts under NodeRuntime"))
      case "UsageError":
        yield* output.err(`fleetd: ${parsed.message}\n\n${usage}`)
        return 2
      case "Run": {
        const { args } = parsed
        if (args.projects !== undefined)
          return yield* (yield* lazy(() => import("./projects.ts")))
            .projectsCommand(args)
            .pipe(Effect.provide(yield* leasedEngineLayer(args)))
        switch (args.command) {
          case "validate":
            return yield* (yield* lazy(() => import("./validate.ts"))).validate(args)
          case "plan":
            return yield* (yield* lazy(() => import("./plan.ts")))
              .plan(args)
              .pipe(Effect.provide(yield* engineLayer(args)))
          case "apply":
            return yield* (yield* lazy(() => import("./apply.ts")))
              .apply(args)
              .pipe(Effect.provide(yield* leasedEngineLayer(args)))
        }
      }
    }
    // stdout carries the command's answer (`--json` is parsed by scripts); log lines,
    // such as hook steps' results, go to stderr.
  }).pipe(Effect.provideService(Logger.LogToStderr, true))
