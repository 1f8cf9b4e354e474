import { Effect } from "effect"
import { formatViolations, loadWithPolicy } from "./loadWithPolicy.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"

/**
 * `fleetd validate`: every problem of the manifest with its position, then every
 * operator-policy violation the same way (exit 1 for either); touches no engine.
 */
export const validate = Effect.fn("cli.validate")(function* (args: CliArgs) {
  const output = yield* Output
  const result = yield* loadWithPolicy(args)
  if (result._tag === "Exit") return result.code
  const { loaded, violations } = result
  const { desired, warnings } = loaded
  const services = desired.services.map((s) => s.name)
  if (violations.length > 0) {
    if (args.json)
      yield* output.out(
        JSON.stringify({ valid: false, file: args.file, issues: violations, warnings }, null, 2),
      )
    else {
      yield* output.err(formatViolations(args.file, violations))
      const blocked = desired.services.filter((s) => s.blocked !== undefined).map((s) => s.name)
      yield* output.err(
        `${violations.length} policy violation(s) in ${args.file}; ${blocked.join(", ")} would not be deployed.`,
      )
    }
    return 1
  }
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
