/**
 * What share of real compose files fleetd runs unchanged: `fleetd validate` (the same
 * code path, in one process) over every compose file below CORPUS, with the operator
 * POLICY given (real files ask for host access an operator would grant). Prints each
 * failure with its messages and the pass rate.
 *
 *   node bench/composeCorpus.ts CORPUS_DIR POLICY_FILE
 *
 * The corpus is public self-hosting repositories checked out by hand; it is not part
 * of this repository. Figures in bench/RESULTS.md.
 */
import { readdirSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Exit, Layer } from "effect"
import { Output } from "../src/cli/Output.ts"
import { parseCliArgs } from "../src/cli/parseCliArgs.ts"
import { runCli } from "../src/cli/runCli.ts"

const [corpus, policy] = process.argv.slice(2)
if (corpus === undefined || policy === undefined) {
  console.error("usage: node bench/composeCorpus.ts CORPUS_DIR POLICY_FILE")
  process.exit(2)
}

const composeName = /^(docker-)?compose\.ya?ml$/
const files = (readdirSync(corpus, { recursive: true }) as Array<string>)
  .filter((f) => composeName.test(basename(f)))
  .map((f) => join(corpus, f))
  .sort()

let passed = 0
for (const file of files) {
  const lines: Array<string> = []
  const capture = Layer.succeed(Output)({
    out: (text) => Effect.sync(() => void lines.push(text)),
    err: (text) => Effect.sync(() => void lines.push(text)),
  })
  // Relative paths in a compose file are read from its own directory, as `cd DIR && fleetd validate`.
  process.chdir(dirname(file))
  const args = parseCliArgs(["validate", "-f", basename(file), "--policy", policy])
  const exit = await Effect.runPromiseExit(
    runCli(args).pipe(Effect.provide(Layer.merge(capture, NodeFileSystem.layer))),
  )
  if (Exit.isSuccess(exit) && exit.value === 0) passed++
  else console.log(`FAIL ${file}\n${lines.join("\n").replace(/^/gm, "    ")}`)
}
console.log(
  `${passed} of ${files.length} compose files validate (${((100 * passed) / files.length).toFixed(1)} %)`,
)
