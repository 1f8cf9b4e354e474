import { Context, Effect, Layer } from "effect"

/**
 * Where commands write: results to stdout, diagnostics to stderr. A service so tests
 * can capture what a command printed without touching the process streams.
 */
export class Output extends Context.Service<
  Output,
  {
    /** Writes one line (or block) of results to stdout. */
    readonly out: (text: string) => Effect.Effect<void>
    /** Writes one line (or block) of diagnostics to stderr. */
    readonly err: (text: string) => Effect.Effect<void>
  }
>()("fleetd/cli/Output") {
  static readonly layer = Layer.succeed(Output)({
    out: (text) => Effect.sync(() => void process.stdout.write(`${text}\n`)),
    err: (text) => Effect.sync(() => void process.stderr.write(`${text}\n`)),
  })
}
