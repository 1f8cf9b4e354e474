import { Effect } from "effect"
import type { Action } from "../domain/Action.ts"
import type { DesiredState } from "../domain/DesiredState.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import type { EngineError } from "../engine/EngineError.ts"
import type { ResourceResult } from "./ChangeSet.ts"
import { retryEngine } from "./retryEngine.ts"

export interface ResourcesApplied {
  readonly results: ReadonlyArray<ResourceResult>
  /** Service → why it cannot be changed this pass (its image, network or volume failed). */
  readonly failed: ReadonlyMap<string, string>
}

/**
 * Runs the non-container actions of a plan (image pulls, networks, volumes), all
 * concurrently: they do not depend on each other. A failure is reported against the
 * resource and every service that needs it; the rest of the fleet proceeds.
 */
export const applyResources = Effect.fnUntraced(function* (
  desired: DesiredState,
  actions: ReadonlyArray<Action>,
) {
  const engine = yield* ContainerEngine
  const failed = new Map<string, string>()

  const attempt = (
    kind: ResourceResult["kind"],
    name: string,
    effect: Effect.Effect<unknown, EngineError>,
    dependents: ReadonlyArray<string>,
  ): Effect.Effect<ReadonlyArray<ResourceResult>> =>
    retryEngine(effect).pipe(
      Effect.as([{ kind, name, outcome: kind === "image" ? "pulled" : "ensured" } as const]),
      Effect.catch((e) => {
        const reason = `${kind} ${name}: ${e.message}`
        for (const s of dependents) if (!failed.has(s)) failed.set(s, reason)
        return Effect.succeed([{ kind, name, outcome: "failed", reason } as const])
      }),
    )

  const results = yield* Effect.forEach(
    actions,
    (action) => {
      switch (action._tag) {
        case "PullImage":
          return attempt("image", action.image, engine.pullImage(action.image), action.services)
        case "CreateNetwork": {
          const { name } = action.network
          const users = desired.services.filter((s) => s.spec.networks.some((n) => n.name === name))
          return attempt(
            "network",
            name,
            engine.ensureNetwork(desired.fleet, action.network),
            users.map((s) => s.name),
          )
        }
        case "CreateVolume": {
          const { name } = action.volume
          const users = desired.services.filter((s) =>
            s.spec.mounts.some((m) => m.type === "volume" && m.source === name),
          )
          return attempt(
            "volume",
            name,
            engine.ensureVolume(desired.fleet, action.volume),
            users.map((s) => s.name),
          )
        }
        default:
          return Effect.succeed([])
      }
    },
    { concurrency: 4 },
  )
  return { results: results.flat(), failed } satisfies ResourcesApplied
})
