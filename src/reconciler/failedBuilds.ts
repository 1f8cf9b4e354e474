import type { Action } from "../domain/Action.ts"
import type { BuildResult } from "../domain/BuildSpec.ts"
import type { DesiredState } from "../domain/DesiredState.ts"
import type { ResourceResult } from "./ChangeSet.ts"

/**
 * The daemon's memory of builds that failed, by the hash of their inputs: a broken
 * Dockerfile fails again on every pass, and a build is long, so the same inputs are
 * not built again until they change (a commit, an edited context file) or the daemon
 * restarts. `fleetd apply` has no such memory and always tries.
 */
export type FailedBuilds = ReadonlyMap<string, BuildResult>

type BuildAction = Extract<Action, { _tag: "BuildImage" }>

/** The planned builds whose inputs already failed: not run; their services fail with the same error. */
export const heldBuilds = (actions: ReadonlyArray<Action>, memory: FailedBuilds | undefined) => {
  const held = actions.filter(
    (a): a is BuildAction => a._tag === "BuildImage" && memory?.has(a.build.hash) === true,
  )
  const failed = new Map<string, string>()
  const builds = new Map<string, BuildResult>()
  const results: Array<ResourceResult> = []
  for (const action of held) {
    const build = memory?.get(action.build.hash)
    if (build === undefined) continue
    const reason = `build of image ${action.image} failed: ${build.error ?? "unknown error"} (not built again until its context, Dockerfile or arguments change)`
    for (const service of action.services) {
      failed.set(service, reason)
      builds.set(service, build)
    }
    results.push({ kind: "image", name: action.image, outcome: "failed", reason })
  }
  return { held: held as ReadonlyArray<Action>, failed, builds, results }
}

/** The memory after this pass: its failed builds added, inputs no service asks for any more forgotten. */
export const rememberBuilds = (
  memory: FailedBuilds,
  desired: DesiredState,
  actions: ReadonlyArray<Action>,
  builds: ReadonlyMap<string, BuildResult>,
): FailedBuilds => {
  const next = new Map(memory)
  for (const action of actions) {
    if (action._tag !== "BuildImage") continue
    const result = action.services.map((s) => builds.get(s)).find((b) => b !== undefined)
    if (result !== undefined && !result.ok) next.set(action.build.hash, result)
  }
  const wanted = new Set(desired.services.flatMap((s) => (s.build === undefined ? [] : [s.build.hash])))
  for (const hash of next.keys()) if (!wanted.has(hash)) next.delete(hash)
  return next
}
