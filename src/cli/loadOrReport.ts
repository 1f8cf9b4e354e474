import { Effect } from "effect"
import type { DesiredState } from "../domain/DesiredState.ts"
import { loadManifest } from "../manifest/loadManifest.ts"
import { formatManifestError } from "../manifest/ManifestError.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"

/**
 * Loads the manifest for a command. An invalid one is reported (every issue, with its
 * position) and gives undefined: no command goes near the engine with bad input.
 */
export const loadOrReport = Effect.fnUntraced(function* (args: CliArgs) {
  const output = yield* Output
  const loaded = yield* Effect.result(
    loadManifest(args.file, { fleet: args.fleet, environment: process.env }),
  )
  if (loaded._tag === "Failure") {
    const error = loaded.failure
    if (args.json) {
      yield* output.out(JSON.stringify({ valid: false, file: error.file, issues: error.issues }, null, 2))
    } else {
      yield* output.err(formatManifestError(error))
      yield* output.err(`${error.issues.length} problem(s) in ${error.file}; nothing was changed.`)
    }
    return undefined
  }
  if (!args.json) for (const warning of loaded.success.warnings) yield* output.err(`warning: ${warning}`)
  return loaded.success satisfies { desired: DesiredState; warnings: ReadonlyArray<string> }
})
