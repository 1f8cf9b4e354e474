import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { ContainerEngine } from "../../../src/engine/ContainerEngine.ts"
import { CountingEngine, EngineCallCounter } from "../../../src/engine/CountingEngine.ts"
import { emptyWorld, fakeEngineLayer } from "../../support/FakeEngine.ts"
import { spec } from "../../support/fixtures.ts"

describe("CountingEngine", () => {
  it("counts every call per method, and mutating calls apart, until reset", async () => {
    const world = emptyWorld()
    world.images.push({ id: "sha256:aaaa", refs: ["fleetd-test/app:v1"] })
    const layer = CountingEngine.layer.pipe(Layer.provide(fakeEngineLayer(world)))
    const program = Effect.gen(function* () {
      const engine = yield* ContainerEngine
      const counter = yield* EngineCallCounter
      yield* engine.listContainers("f")
      yield* engine.listImages
      const id = yield* engine.createContainer("f-web", spec(), { "fleetd.fleet": "f" })
      yield* engine.startContainer(id)
      yield* Effect.ignore(engine.inspectContainer("missing"))
      const first = yield* counter.snapshot
      yield* counter.reset
      yield* engine.listContainers("f")
      return { first, second: yield* counter.snapshot }
    })
    const { first, second } = await Effect.runPromise(Effect.provide(program, layer))
    expect(first).toEqual({
      total: 5,
      mutating: 2,
      byMethod: {
        listContainers: 1,
        listImages: 1,
        createContainer: 1,
        startContainer: 1,
        inspectContainer: 1,
      },
    })
    expect(second).toEqual({ total: 1, mutating: 0, byMethod: { listContainers: 1 } })
  })
})
