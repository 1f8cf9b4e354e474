import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { apply } from "../../../src/cli/apply.ts"
import { Output } from "../../../src/cli/Output.ts"
import { parseCliArgs } from "../../../src/cli/parseCliArgs.ts"
import { defaultLeaseTtl, FleetLease } from "../../../src/daemon/FleetLease.ts"
import { DockerSwarmEngine } from "../../../src/engine/swarm/DockerSwarmEngine.ts"
import { Registry } from "../../../src/registry/Registry.ts"
import { emptyWorld, fakeEngineLayer, mutatingCalls } from "../../support/FakeEngine.ts"
import { imageIds } from "../../support/fixtures.ts"
import { foreignLease, otherHolder } from "../../support/foreignLease.ts"

const manifest = "name: shop\nservices:\n  web:\n    image: fleetd-test/app:v1\n"

/** `fleetd apply ARGS` on a fake engine where another fleetd holds the fleet's lease. */
const applyWhileHeld = (...extra: ReadonlyArray<string>) => {
  const dir = mkdtempSync(join(tmpdir(), "fleetd-apply-lease-"))
  writeFileSync(join(dir, "fleet.yaml"), manifest)
  const parsed = parseCliArgs(["apply", "-f", join(dir, "fleet.yaml"), "--lease-wait", "0s", ...extra])
  if (parsed._tag !== "Run") throw new Error(JSON.stringify(parsed))
  const world = emptyWorld()
  world.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
  foreignLease(world, "shop")
  const out: Array<string> = []
  const err: Array<string> = []
  const output = Layer.succeed(Output)({
    out: (text) => Effect.sync(() => void out.push(text)),
    err: (text) => Effect.sync(() => void err.push(text)),
  })
  const engine = fakeEngineLayer(world)
  const lease = FleetLease.layer({ ttl: defaultLeaseTtl, command: "apply" }).pipe(Layer.provideMerge(engine))
  return apply(parsed.args).pipe(
    Effect.provide(
      Layer.mergeAll(output, lease, Registry.layer(), NodeFileSystem.layer, DockerSwarmEngine.layer()),
    ),
    Effect.map((code) => ({ code, out, err, world })),
  )
}

describe("fleetd apply and the fleet lease", () => {
  it.effect("exits 1 naming the holder, and changes nothing, when the wait runs out", () =>
    Effect.gen(function* () {
      const { code, err, world } = yield* applyWhileHeld()
      assert.strictEqual(code, 1)
      assert.include(err.join("\n"), "fleet shop is held by fleetd run on box-2 (pid 4242,")
      assert.include(err.join("\n"), "nothing was changed")
      assert.deepStrictEqual(mutatingCalls(world), [])
    }),
  )

  it.effect("with --json, answers a LeaseHeld error with the holder", () =>
    Effect.gen(function* () {
      const { code, out } = yield* applyWhileHeld("--json")
      assert.strictEqual(code, 1)
      const answer = JSON.parse(out.join("")) as { error: { kind: string; holder: unknown } }
      assert.strictEqual(answer.error.kind, "LeaseHeld")
      assert.deepStrictEqual(answer.error.holder, otherHolder)
    }),
  )

  it("refuses a --lease-wait or --lease-expiry that is not a duration in range", () => {
    assert.deepInclude(parseCliArgs(["apply", "--lease-wait", "soon"]), { _tag: "UsageError" })
    assert.deepInclude(parseCliArgs(["apply", "--lease-expiry", "1s"]), {
      _tag: "UsageError",
      message: "--lease-expiry must be from 3s to 10m",
    })
  })
})
