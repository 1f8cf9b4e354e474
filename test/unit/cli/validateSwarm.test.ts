import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Output } from "../../../src/cli/Output.ts"
import { parseCliArgs, swarmFromEnv } from "../../../src/cli/parseCliArgs.ts"
import { validate } from "../../../src/cli/validate.ts"

const manifest = [
  "services:",
  "  web:",
  "    image: busybox",
  "    container_name: web1",
  "    deploy: {replicas: 3}",
].join("\n")

const run = (...flags: ReadonlyArray<string>) => {
  const dir = mkdtempSync(join(tmpdir(), "fleetd-validate-swarm-"))
  writeFileSync(join(dir, "fleet.yaml"), manifest)
  const parsed = parseCliArgs(["validate", "-f", join(dir, "fleet.yaml"), ...flags])
  if (parsed._tag !== "Run") throw new Error(JSON.stringify(parsed))
  const printed: Array<string> = []
  const output = Layer.succeed(Output)({
    out: (text) => Effect.sync(() => void printed.push(text)),
    err: (text) => Effect.sync(() => void printed.push(text)),
  })
  return validate(parsed.args).pipe(
    Effect.provide(Layer.mergeAll(output, NodeFileSystem.layer)),
    Effect.map((code) => ({ code, printed: printed.join("\n") })),
  )
}

describe("fleetd validate --swarm", () => {
  it.effect("reads deploy: as Swarm does and reports the one-host fields", () =>
    Effect.gen(function* () {
      const single = yield* run()
      assert.strictEqual(single.code, 1)
      assert.match(
        single.printed,
        /fleet\.yaml:5:24: services\.web\.deploy\.replicas: deploy\.replicas: 3 is not supported/,
      )
      const swarm = yield* run("--swarm")
      assert.strictEqual(swarm.code, 1)
      assert.match(
        swarm.printed,
        /fleet\.yaml:4:5: services\.web\.container_name: container_name only makes sense on one host/,
      )
      assert.notMatch(swarm.printed, /deploy\.replicas/)
    }),
  )

  it("is taken by plan and apply, and by FLEETD_SWARM; refused with --projects", () => {
    for (const command of ["plan", "apply"])
      assert.deepInclude((parseCliArgs([command, "--swarm"]) as { args: object }).args, { swarm: true })
    assert.deepInclude(parseCliArgs(["apply", "--swarm", "--projects", "p/*"]), { _tag: "UsageError" })
  })

  it("reads FLEETD_SWARM as 1/true or 0/false, and refuses anything else", () => {
    assert.strictEqual(swarmFromEnv("1"), true)
    assert.strictEqual(swarmFromEnv("true"), true)
    assert.strictEqual(swarmFromEnv("0"), false)
    assert.strictEqual(swarmFromEnv(undefined), false)
    assert.match(String(swarmFromEnv("yes")), /FLEETD_SWARM="yes": expected 1 or true/)
  })
})
