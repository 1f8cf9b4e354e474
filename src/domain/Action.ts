import type { DesiredNetwork, DesiredService, DesiredVolume } from "./DesiredState.ts"

/**
 * One step of a plan. Plans are data: the planner returns them, `fleetd plan` prints
 * them, the applier runs them. Every mutating action names the service it serves so a
 * failure is reported against that service and blocks only its dependents.
 */
export type ReplaceReason = "spec changed" | "image changed" | "drift"

export type Action =
  | {
      readonly _tag: "PullImage"
      readonly image: string
      readonly services: ReadonlyArray<string>
      readonly reason: "missing" | "always"
    }
  | { readonly _tag: "CreateNetwork"; readonly network: DesiredNetwork }
  | { readonly _tag: "CreateVolume"; readonly volume: DesiredVolume }
  | {
      readonly _tag: "Create"
      readonly service: DesiredService
      readonly specHash: string
      readonly imageId: string | undefined
    }
  | {
      readonly _tag: "Replace"
      readonly service: DesiredService
      readonly specHash: string
      readonly imageId: string | undefined
      readonly reason: ReplaceReason
      /** Field paths that differ (values of environment variables never shown). */
      readonly changes: ReadonlyArray<string>
      readonly strategy: "start-first" | "stop-first"
      readonly old: { readonly id: string; readonly name: string; readonly running: boolean }
    }
  | {
      readonly _tag: "Start"
      readonly service: string
      readonly containerId: string
      readonly containerName: string
    }
  | {
      /** A replacement created `<name>--next` and was interrupted before renaming it. */
      readonly _tag: "Adopt"
      readonly service: string
      readonly containerId: string
      readonly from: string
      readonly to: string
    }
  | {
      readonly _tag: "Remove"
      readonly service: string
      readonly containerId: string
      readonly containerName: string
      readonly reason: "orphan" | "leftover" | "replaced"
    }
  | { readonly _tag: "Unchanged"; readonly service: string; readonly containerName: string }
  | { readonly _tag: "Blocked"; readonly service: string; readonly reason: string }
  | {
      /** This spec was rolled back for this service at `revision`: not retried until a new revision or image. */
      readonly _tag: "Held"
      readonly service: string
      readonly containerName: string
      readonly revision: string
      readonly reason: string
    }

export type ActionTag = Action["_tag"]

/** Actions that change nothing on the host. */
export const isMutating = (action: Action): boolean =>
  action._tag !== "Unchanged" && action._tag !== "Blocked" && action._tag !== "Held"

/** The service an action is reported against (networks and volumes have none). */
export const actionService = (action: Action): string | undefined => {
  switch (action._tag) {
    case "Create":
    case "Replace":
      return action.service.name
    case "Start":
    case "Adopt":
    case "Remove":
    case "Unchanged":
    case "Blocked":
    case "Held":
      return action.service
    case "PullImage":
    case "CreateNetwork":
    case "CreateVolume":
      return undefined
  }
}
