import { NodeRuntime } from "@effect/platform-node"
import { Effect, Exit } from "effect"
import { Output } from "./cli/Output.ts"
import { runCli } from "./cli/runCli.ts"

/**
 * Entry point: picks the concrete layers and runs one command. The command computes
 * its own exit status; anything that escapes it is a bug and exits 1 after Effect has
 * reported it, and an interrupt (SIGINT, SIGTERM) exits 130.
 */
NodeRuntime.runMain(runCli(process.argv.slice(2)).pipe(Effect.provide(Output.layer)), {
  teardown: (exit, onExit) => {
    if (Exit.isSuccess(exit)) onExit(typeof exit.value === "number" ? exit.value : 0)
    else onExit(Exit.hasInterrupts(exit) ? 130 : 1)
  },
})
