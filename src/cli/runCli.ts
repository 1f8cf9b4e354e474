import { Effect, type FileSystem, Layer, Logger } from "effect"
import { FleetLease } from "../daemon/FleetLease.ts"
import { apply } from "./apply.ts"
import { engineLayer } from "./engineLayer.ts"
import { history } from "./history.ts"
import { Output } from "./Output.ts"
import { type CliArgs, type ParsedArgs, usage } from "./parseCliArgs.ts"
import { plan } from "./plan.ts"
import { projectsCommand } from "./projects.ts"
import { status } from "./status.ts"
import { sync } from "./sync.ts"
import { validate } from "./validate.ts"
import { version } from "./version.ts"

/** The engine, with the fleet lease apply holds for its run (released when it ends). */
const leasedEngineLayer = (args: CliArgs) =>
  FleetLease.layer({ ttl: args.leaseExpiry, command: "apply" }).pipe(Layer.provideMerge(engineLayer(args)))

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
        return yield* status(parsed.url, parsed.json)
      case "Sync":
        return yield* sync(parsed.args)
      case "History":
        return yield* history(parsed.args)
      case "Daemon":
        return yield* Effect.die(new Error("the daemon is started by main.ts under NodeRuntime"))
      case "UsageError":
        yield* output.err(`fleetd: ${parsed.message}\n\n${usage}`)
        return 2
      case "Run": {
        const { args } = parsed
        if (args.projects !== undefined)
          return yield* projectsCommand(args).pipe(Effect.provide(leasedEngineLayer(args)))
        switch (args.command) {
          case "validate":
            return yield* validate(args)
          case "plan":
            return yield* plan(args).pipe(Effect.provide(engineLayer(args)))
          case "apply":
            return yield* apply(args).pipe(Effect.provide(leasedEngineLayer(args)))
        }
      }
    }
    // stdout carries the command's answer (`--json` is parsed by scripts); log lines,
    // such as hook steps' results, go to stderr.
  }).pipe(Effect.provideService(Logger.LogToStderr, true))
