import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { apply } from "../../../src/cli/apply.ts"
import { Output } from "../../../src/cli/Output.ts"
import { parseCliArgs } from "../../../src/cli/parseCliArgs.ts"
import { plan } from "../../../src/cli/plan.ts"
import { defaultLeaseTtl, FleetLease } from "../../../src/daemon/FleetLease.ts"
import { DockerSwarmEngine } from "../../../src/engine/swarm/DockerSwarmEngine.ts"
import { Registry } from "../../../src/registry/Registry.ts"
import { emptyWorld, fakeEngineLayer } from "../../support/FakeEngine.ts"
import { imageIds } from "../../support/fixtures.ts"

// `attach: false` is accepted with a warning (fleetd never attaches): --json must carry it,
// as the text mode prints it on stderr.
const manifest = [
  "services:",
  "  web:",
  "    image: fleetd-test/app:v1",
  "    attach: false",
  "    x-fleetd:",
  "      update:",
  "        min_ready: 0s",
].join("\n")

const run = (command: "plan" | "apply") => {
  const dir = mkdtempSync(join(tmpdir(), "fleetd-json-warnings-"))
  writeFileSync(join(dir, "fleet.yaml"), manifest)
  const parsed = parseCliArgs([command, "--json", "-f", join(dir, "fleet.yaml")])
  if (parsed._tag !== "Run") throw new Error(JSON.stringify(parsed))
  const world = emptyWorld()
  world.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
  const printed: Array<string> = []
  const output = Layer.succeed(Output)({
    out: (text) => Effect.sync(() => void printed.push(text)),
    err: (text) => Effect.sync(() => void printed.push(`stderr: ${text}`)),
  })
  const engine = fakeEngineLayer(world)
  const lease = FleetLease.layer({ ttl: defaultLeaseTtl, command: "apply" }).pipe(Layer.provideMerge(engine))
  const layers = Layer.mergeAll(
    output,
    lease,
    Registry.layer(),
    NodeFileSystem.layer,
    DockerSwarmEngine.layer(),
  )
  return (command === "plan" ? plan(parsed.args) : apply(parsed.args)).pipe(
    Effect.provide(layers),
    Effect.map((code) => ({ code, printed })),
  )
}

describe("--json carries the manifest's warnings", () => {
  for (const command of ["plan", "apply"] as const)
    it.effect(command, () =>
      Effect.gen(function* () {
        const { code, printed } = yield* run(command)
        assert.strictEqual(code, 0)
        assert.strictEqual(printed.length, 1, printed.join("\n"))
        const json = JSON.parse(printed[0]!) as { warnings: ReadonlyArray<string> }
        assert.strictEqual(json.warnings.length, 1)
        assert.match(json.warnings[0]!, /attach/)
      }),
    )
})
