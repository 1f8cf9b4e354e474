import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { actionService } from "../../src/domain/Action.ts"
import type { DesiredService } from "../../src/domain/DesiredState.ts"
import { plan } from "../../src/planner/plan.ts"
import { observe, reconcile } from "../../src/reconciler/reconcile.ts"
import { emptyWorld, type FakeContainer, fakeEngineLayer } from "../support/FakeEngine.ts"
import { desired, imageIds, service } from "../support/fixtures.ts"

/** A random fleet: up to five services, each depending only on earlier ones (no cycles). */
const fleetArb = fc
  .uniqueArray(fc.constantFrom("a", "b", "c", "d", "e"), { maxLength: 5 })
  .chain((names) =>
    fc.tuple(
      ...names.map((name, i) =>
        fc
          .record({
            image: fc.constantFrom("fleetd-test/app:v1", "fleetd-test/app:v2"),
            env: fc.uniqueArray(fc.constantFrom("A=1", "A=2", "B=1", "C=x"), {
              selector: (e) => e.split("=")[0],
            }),
            fixedPort: fc.boolean(),
            deps: fc.subarray(names.slice(0, i)),
          })
          .map(
            (r): DesiredService =>
              service(
                name,
                {
                  image: r.image,
                  env: [...r.env].sort(),
                  ports: r.fixedPort ? [{ target: 80, protocol: "tcp", published: 8000 + i }] : [],
                },
                {
                  dependsOn: r.deps.map((d) => ({
                    service: d,
                    condition: "service_started",
                    required: true,
                  })),
                },
              ),
          ),
      ),
    ),
  )
  .map((services) => desired(services))

/** Hand-made damage between two passes: stop or remove some managed containers. */
const damageArb = fc.array(fc.tuple(fc.nat(10), fc.constantFrom("stop", "remove", "kill")), { maxLength: 4 })

const strangers: ReadonlyArray<FakeContainer> = [
  { id: "u1", name: "t-a", labels: {}, state: "running", imageId: "sha256:aaaa", spec: undefined },
  {
    id: "u2",
    name: "other-b",
    labels: { "fleetd.fleet": "other", "fleetd.service": "b" },
    state: "running",
    imageId: "sha256:aaaa",
    spec: undefined,
  },
  {
    id: "u3",
    name: "tt-c",
    labels: { "fleetd.fleet": "tt" },
    state: "exited",
    imageId: "sha256:bbbb",
    spec: undefined,
  },
]

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

describe("plan properties", () => {
  it("after applying a plan, planning again yields only unchanged, and never touches what it does not own", async () => {
    await fc.assert(
      fc.asyncProperty(fleetArb, fleetArb, damageArb, async (before, after, damage) => {
        const world = emptyWorld()
        world.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
        world.containers = strangers
          .filter(
            (s) =>
              !before.services.some((d) => d.containerName === s.name) ||
              s.labels["fleetd.fleet"] !== undefined,
          )
          .map((s) => ({ ...s }))
        const strangersBefore = JSON.stringify(world.containers)
        const layer = fakeEngineLayer(world)
        await run(
          reconcile(before, { revision: "r1", allowEmpty: true, concurrency: 3 }).pipe(Effect.provide(layer)),
        )
        for (const [index, kind] of damage) {
          const owned = world.containers.filter((c) => c.labels["fleetd.fleet"] === "t")
          const victim = owned[index % Math.max(1, owned.length)]
          if (victim === undefined) continue
          if (kind === "remove") world.containers = world.containers.filter((c) => c !== victim)
          else victim.state = kind === "stop" ? "exited" : "dead"
        }
        await run(
          reconcile(after, { revision: "r2", allowEmpty: true, concurrency: 3 }).pipe(Effect.provide(layer)),
        )
        const observed = await run(observe("t").pipe(Effect.provide(layer)))
        const again = plan(after, observed).actions
        const unmanaged = world.containers.filter((c) => c.labels["fleetd.fleet"] !== "t")
        // A service whose name a stranger holds cannot be created, nor can what requires it.
        const blocked = new Set(
          after.services.filter((s) => unmanaged.some((c) => c.name === s.containerName)).map((s) => s.name),
        )
        for (const s of after.services)
          if (s.dependsOn.some((d) => blocked.has(d.service))) blocked.add(s.name)
        for (const a of again) {
          const name = actionService(a) ?? ""
          if (blocked.has(name)) continue
          expect(a._tag).toBe("Unchanged")
        }
        expect(JSON.stringify(unmanaged)).toBe(strangersBefore)
      }),
      { numRuns: 200 },
    )
  })

  it("is deterministic: the same state in any listing order gives the same plan", () => {
    fc.assert(
      fc.property(fleetArb, fleetArb, fc.nat(), (before, after, seed) => {
        const world = emptyWorld()
        world.images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))
        const layer = fakeEngineLayer(world)
        Effect.runSync(
          reconcile(before, { revision: "r1", allowEmpty: true, concurrency: 1 }).pipe(Effect.provide(layer)),
        )
        const observed = Effect.runSync(observe("t").pipe(Effect.provide(layer)))
        const shuffled = {
          ...observed,
          containers: [...observed.containers].sort(
            (x, y) => ((x.id.length * seed) % 7) - ((y.id.length * seed) % 7) || (x.id < y.id ? 1 : -1),
          ),
        }
        const reversed = { ...after, services: [...after.services].reverse() }
        expect(plan(reversed, shuffled)).toEqual(plan(after, observed))
      }),
      { numRuns: 200 },
    )
  })
})
