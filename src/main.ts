import { Effect, Exit, Layer } from "effect"
import { reexecWithDaemonFlags } from "./cli/daemonNodeFlags.ts"
import { Output } from "./cli/Output.ts"
import { parseCliArgs } from "./cli/parseCliArgs.ts"
import { runOneShot } from "./cli/runOneShot.ts"

/**
 * Entry point: picks the concrete layers and runs one command.
 *
 * The daemon runs under NodeRuntime.runMain, which turns SIGTERM and SIGINT into an
 * interruption: the loop stops between engine actions and the process exits 0. The
 * one-shot commands run plainly (runOneShot.ts) and exit with the status they compute.
 */
const parsed = parseCliArgs(process.argv.slice(2))
if (parsed._tag === "Daemon") {
  reexecWithDaemonFlags()
  const [NodeRuntime, NodeFileSystem, { runDaemon }] = await Promise.all([
    import("@effect/platform-node/NodeRuntime"),
    import("@effect/platform-node/NodeFileSystem"),
    import("./cli/runDaemon.ts"),
  ])
  const layer = Layer.merge(Output.layer, NodeFileSystem.layer)
  NodeRuntime.runMain(runDaemon(parsed.flags).pipe(Effect.provide(layer)), {
    teardown: (exit, onExit) => {
      if (Exit.isSuccess(exit)) onExit(typeof exit.value === "number" ? exit.value : 0)
      else onExit(Exit.hasInterrupts(exit) && !Exit.hasDies(exit) && !Exit.hasFails(exit) ? 0 : 1)
    },
  })
} else await runOneShot(parsed)
