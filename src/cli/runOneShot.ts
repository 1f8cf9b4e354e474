import { Effect, Exit, Layer } from "effect"
import { Output } from "./Output.ts"
import type { ParsedArgs } from "./parseCliArgs.ts"
import { runCli } from "./runCli.ts"

/**
 * Runs one command other than the daemon (validate, plan, apply, status, …) and sets
 * the exit status. The commands run plainly, not under NodeRuntime: they load neither
 * the HTTP server nor the platform modules (only its FileSystem, which reads the
 * manifest), which halves their start-up. main.ts and the start-up snapshot
 * (snapshotMain.ts) both end here.
 */
export const runOneShot = async (parsed: ParsedArgs): Promise<void> => {
  const NodeFileSystem = await import("@effect/platform-node/NodeFileSystem")
  const layer = Layer.merge(Output.layer, NodeFileSystem.layer)
  const exit = await Effect.runPromiseExit(runCli(parsed).pipe(Effect.provide(layer)))
  if (Exit.isFailure(exit)) process.stderr.write(`fleetd: internal error: ${String(exit.cause)}\n`)
  process.exitCode = Exit.isSuccess(exit) ? exit.value : 1
}
