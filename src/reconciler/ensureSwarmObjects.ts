import { Effect } from "effect"
import { Labels } from "../domain/labels.ts"
import type { ObservedSwarmService } from "../domain/ObservedSwarm.ts"
import type { ObservedSwarmObject, SwarmObjectKind } from "../engine/swarm/SwarmEngine.ts"
import { SwarmEngine } from "../engine/swarm/SwarmEngine.ts"
import type { ResourceResult } from "./ChangeSet.ts"
import { retryEngine } from "./retryEngine.ts"
import type { DesiredSwarmObject } from "./swarmObjectData.ts"

const kinds: ReadonlyArray<SwarmObjectKind> = ["secret", "config"]

/** The fleet's own secrets and configs (label filter): nothing unmanaged is ever listed. */
export const listSwarmObjects = Effect.fnUntraced(function* (fleet: string) {
  const swarm = yield* SwarmEngine
  const lists = yield* Effect.forEach(
    kinds,
    (kind) =>
      Effect.map(retryEngine(swarm.listObjects(kind, fleet)), (objects) =>
        objects.map((o) => ({ ...o, kind })),
      ),
    { concurrency: 2 },
  )
  return lists.flat()
})

/**
 * Creates the secrets and configs the services need that do not exist yet (by their
 * content-hashed name) with the fleet's label. Gives every needed name's id, a result
 * per created object, and, per service, why it cannot change this pass (its object
 * could not be made). The data is sent once and never logged.
 */
export const ensureSwarmObjects = Effect.fnUntraced(function* (
  fleet: string,
  wanted: ReadonlyMap<string, DesiredSwarmObject>,
  owned: ReadonlyArray<ObservedSwarmObject & { readonly kind: SwarmObjectKind }>,
) {
  const swarm = yield* SwarmEngine
  const ids = new Map(owned.map((o) => [`${o.kind}:${o.name}`, o.id]))
  const results: Array<ResourceResult> = []
  const failed = new Map<string, string>()
  yield* Effect.forEach(
    [...wanted.values()].filter((o) => !ids.has(`${o.kind}:${o.name}`)),
    (object) =>
      Effect.result(
        retryEngine(swarm.createObject(object.kind, object.name, { [Labels.fleet]: fleet }, object.data)),
      ).pipe(
        Effect.tap((created) =>
          Effect.sync(() => {
            if (created._tag === "Success") {
              ids.set(`${object.kind}:${object.name}`, created.success)
              results.push({ kind: object.kind, name: object.name, outcome: "ensured" })
              return
            }
            const reason = `${object.kind} ${object.name}: ${created.failure.message}`
            results.push({ kind: object.kind, name: object.name, outcome: "failed", reason })
            for (const service of object.services) failed.set(service, reason)
          }),
        ),
      ),
    { concurrency: 4, discard: true },
  )
  // Secret and config names are unique per kind: one name → id map serves both reference kinds.
  const byName = new Map<string, string>()
  for (const [key, id] of ids) byName.set(key.slice(key.indexOf(":") + 1), id)
  return {
    ids: byName as ReadonlyMap<string, string>,
    results,
    failed: failed as ReadonlyMap<string, string>,
  }
})

/**
 * Removes the fleet's secrets and configs that no desired service asks for and no owned
 * service's spec still uses (a rolled-back or blocked service keeps its old ones). Swarm
 * itself refuses to remove one still in use, which is reported, never forced.
 */
export const pruneSwarmObjects = Effect.fnUntraced(function* (
  wanted: ReadonlyMap<string, DesiredSwarmObject>,
  owned: ReadonlyArray<ObservedSwarmObject & { readonly kind: SwarmObjectKind }>,
  services: ReadonlyArray<ObservedSwarmService>,
) {
  const swarm = yield* SwarmEngine
  const keep = new Set([
    ...[...wanted.values()].map((o) => o.name),
    ...services.flatMap((s) => s.objects ?? []),
  ])
  return yield* Effect.forEach(
    owned.filter((o) => !keep.has(o.name)),
    (object) =>
      Effect.result(retryEngine(swarm.removeObject(object.kind, object.id))).pipe(
        Effect.map(
          (removed): ResourceResult =>
            removed._tag === "Success"
              ? {
                  kind: object.kind,
                  name: object.name,
                  outcome: "removed",
                  reason: "no service of the fleet uses it",
                }
              : { kind: object.kind, name: object.name, outcome: "failed", reason: removed.failure.message },
        ),
      ),
    { concurrency: 4 },
  )
})
