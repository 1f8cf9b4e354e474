import { Effect } from "effect"
import { loadOrReport } from "./loadOrReport.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"

/** `fleetd validate`: every problem of the manifest with its position; touches no engine. */
export const validate = Effect.fn("cli.validate")(function* (args: CliArgs) {
  const output = yield* Output
  const loaded = yield* loadOrReport(args)
  if (loaded === undefined) return 1
  const { desired, warnings } = loaded
  const services = desired.services.map((s) => s.name)
  if (args.json) {
    yield* output.out(
      JSON.stringify({ valid: true, file: args.file, fleet: desired.fleet, services, warnings }, null, 2),
    )
  } else {
    const list = services.length > 0 ? `: ${services.join(", ")}` : ""
    yield* output.out(
      `${args.file} is valid: fleet "${desired.fleet}", ${services.length} service(s)${list}.`,
    )
  }
  return 0
})
