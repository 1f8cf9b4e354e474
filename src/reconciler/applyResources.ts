import { Clock, Effect } from "effect"
import type { Action } from "../domain/Action.ts"
import type { BuildResult } from "../domain/BuildSpec.ts"
import type { DesiredNetwork, DesiredState, DesiredVolume } from "../domain/DesiredState.ts"
import { Labels } from "../domain/labels.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import type { EngineError } from "../engine/EngineError.ts"
import type { ResourceResult } from "./ChangeSet.ts"
import { recreateNetwork } from "./recreateNetwork.ts"
import { retryEngine } from "./retryEngine.ts"

export interface ResourcesApplied {
  readonly results: ReadonlyArray<ResourceResult>
  /** Service → why it cannot be changed this pass (its image, network or volume failed). */
  readonly failed: ReadonlyMap<string, string>
  /** Service → the build of its image this pass (output tail, error), for status. */
  readonly builds: ReadonlyMap<string, BuildResult>
}

/** Only the name and `external` matter for an existence check. */
const externalNetwork = (name: string): DesiredNetwork => ({
  key: name,
  name,
  driver: "",
  internal: false,
  labels: {},
  external: true,
})
const externalVolume = (name: string): DesiredVolume => ({
  key: name,
  name,
  driver: "",
  labels: {},
  external: true,
})

/**
 * Runs the non-container actions of a plan (image pulls and builds, networks, volumes), all
 * concurrently: they do not depend on each other. The reconciler calls it once for
 * pulls, once for setup (before services change) and once for teardown (after). A failure is reported against the
 * resource and every service that needs it; the rest of the fleet proceeds.
 */
export const applyResources = Effect.fnUntraced(function* (
  desired: DesiredState,
  actions: ReadonlyArray<Action>,
) {
  const engine = yield* ContainerEngine
  const failed = new Map<string, string>()
  const builds = new Map<string, BuildResult>()

  /**
   * Builds are not retried: a failing step fails again, and a build is long. The
   * builder's error fails the services of that image alone, with the output's tail.
   */
  const build = (action: Extract<Action, { _tag: "BuildImage" }>) =>
    Effect.gen(function* () {
      const started = yield* Clock.currentTimeMillis
      const outcome = yield* Effect.result(
        engine.build(action.image, action.build, { [Labels.buildHash]: action.build.hash }),
      )
      const durationMs = (yield* Clock.currentTimeMillis) - started
      const error = outcome._tag === "Failure" ? outcome.failure.message : outcome.success.error
      const result: BuildResult = {
        image: action.image,
        ok: error === undefined,
        ...(outcome._tag === "Success" && outcome.success.imageId !== undefined
          ? { imageId: outcome.success.imageId }
          : {}),
        durationMs,
        outputTail: outcome._tag === "Success" ? outcome.success.output : "",
        ...(error === undefined ? {} : { error }),
      }
      for (const s of action.services) builds.set(s, result)
      if (error === undefined) return [{ kind: "image", name: action.image, outcome: "built" } as const]
      const reason = `build of image ${action.image} failed: ${error}`
      for (const s of action.services) if (!failed.has(s)) failed.set(s, reason)
      return [{ kind: "image", name: action.image, outcome: "failed", reason } as const]
    })

  const attempt = (
    kind: ResourceResult["kind"],
    name: string,
    effect: Effect.Effect<unknown, EngineError, ContainerEngine>,
    dependents: ReadonlyArray<string>,
    outcome: ResourceResult["outcome"] = kind === "image" ? "pulled" : "ensured",
  ): Effect.Effect<ReadonlyArray<ResourceResult>, never, ContainerEngine> =>
    retryEngine(effect).pipe(
      Effect.as([{ kind, name, outcome }]),
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
        case "BuildImage":
          return build(action)
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
        case "CheckExternal":
          return attempt(
            action.kind,
            action.name,
            action.kind === "network"
              ? engine.ensureNetwork(desired.fleet, externalNetwork(action.name))
              : engine.ensureVolume(desired.fleet, externalVolume(action.name)),
            action.services,
          )
        case "RecreateNetwork": {
          const { name } = action.network
          const users = desired.services.filter((s) => s.spec.networks.some((n) => n.name === name))
          return attempt(
            "network",
            name,
            recreateNetwork(desired.fleet, action),
            users.map((s) => s.name),
            "recreated",
          )
        }
        case "RemoveNetwork":
          return attempt("network", action.name, engine.removeNetwork(action.id), [], "removed")
        case "RemoveVolume":
          return attempt("volume", action.name, engine.removeVolume(action.name), [], "removed")
        case "KeepVolume":
          return Effect.succeed([
            {
              kind: "volume",
              name: action.name,
              outcome: "kept",
              reason: "no longer in the manifest; set x-fleetd.prune_volumes: true to remove it",
            } as const,
          ])
        case "ResourceBlocked":
          return Effect.succeed([
            { kind: action.kind, name: action.name, outcome: "blocked", reason: action.reason } as const,
          ])
        default:
          return Effect.succeed([])
      }
    },
    { concurrency: 4 },
  )
  return { results: results.flat(), failed, builds } satisfies ResourcesApplied
})
