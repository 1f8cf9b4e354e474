import type { BuildSpec } from "./BuildSpec.ts"
import type { NetworkAttachment as ContainerNetwork, ContainerSpec, Link } from "./ContainerSpec.ts"
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
      /** `scheduled`: a periodic pull_policy is due; `digest`: a tracked tag's new digest is not here yet. */
      readonly reason: "missing" | "always" | "scheduled" | "digest"
    }
  | {
      /** Build a service's image (`build:`) before the services change; planBuilds.ts says when. */
      readonly _tag: "BuildImage"
      /** The tag built. */
      readonly image: string
      /** Every service running that tag (the first one's build is used). */
      readonly services: ReadonlyArray<string>
      readonly build: BuildSpec
      /** `missing`: no such image here; `changed`: the inputs differ from the image's; `policy`: pull_policy build and an image fleetd did not build. */
      readonly reason: "missing" | "changed" | "policy"
    }
  | { readonly _tag: "CreateNetwork"; readonly network: DesiredNetwork }
  | { readonly _tag: "CreateVolume"; readonly volume: DesiredVolume }
  | {
      /** An `external: true` network or volume no container shows to exist: inspected, never created. */
      readonly _tag: "CheckExternal"
      readonly kind: "network" | "volume"
      readonly name: string
      readonly services: ReadonlyArray<string>
    }
  | {
      /**
       * The network's spec hash differs: its containers are disconnected, it is removed and
       * created again, and the containers are connected again with their aliases.
       */
      readonly _tag: "RecreateNetwork"
      readonly network: DesiredNetwork
      /** The observed network's id. */
      readonly id: string
      readonly attached: ReadonlyArray<NetworkAttachment>
    }
  | {
      /** Left the manifest; runs after the orphan containers are gone. */
      readonly _tag: "RemoveNetwork"
      readonly id: string
      readonly name: string
    }
  | { readonly _tag: "RemoveVolume"; readonly name: string }
  | {
      /** Left the manifest without `x-fleetd.prune_volumes: true`: the data stays. */
      readonly _tag: "KeepVolume"
      readonly name: string
    }
  | {
      /** A resource fleetd will not change on its own (a volume's spec changed, ...). */
      readonly _tag: "ResourceBlocked"
      readonly kind: "network" | "volume"
      readonly name: string
      readonly reason: string
    }
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
      /**
       * The container replaced; `imageId`: the image it runs (reported with the new one).
       * `stoppedFromOutside`: exited by a stop or kill (drift, which a pass would start
       * again, or a rollback killed before its restart): a rollback starts it again.
       */
      readonly old: {
        readonly id: string
        readonly name: string
        readonly running: boolean
        readonly stoppedFromOutside?: boolean
        readonly imageId?: string
      }
    }
  | {
      /**
       * A replacement of the service that runs fleetd itself (x-fleetd.self, or its own
       * container): a standby takes over instead of the running process (handover.ts).
       */
      readonly _tag: "Handover"
      readonly service: DesiredService
      readonly specHash: string
      readonly imageId: string | undefined
      readonly reason: ReplaceReason
      readonly changes: ReadonlyArray<string>
      readonly old: {
        readonly id: string
        readonly name: string
        readonly running: boolean
        readonly imageId?: string
      }
    }
  | {
      /** A handover in progress, supervised by its standby: nothing of this service is touched. */
      readonly _tag: "HandoverPending"
      readonly service: string
      readonly containerName: string
    }
  | {
      /** A standby that took over, saw the new fleetd fail and put the old one back: reported as rolled back, then removed. */
      readonly _tag: "HandoverFailed"
      readonly service: string
      readonly containerId: string
      readonly containerName: string
      /** The spec that failed: held like any rolled-back spec. */
      readonly specHash: string
    }
  | {
      readonly _tag: "Start"
      readonly service: string
      readonly containerId: string
      readonly containerName: string
      /** Set when the spec copies secrets or configs in: they are copied again before the start, as Compose does. */
      readonly spec?: ContainerSpec
    }
  | {
      /**
       * A create or replace that a crash interrupted (trial.ts). `gate`: the `<name>--next`
       * container never passed its gate: it is gated again (started first if it never
       * was), then promoted, or rolled back when it fails. `hooks`: it passed and holds the
       * name, the old one waits as `--prev`: post_deploy goes on after the steps done.
       */
      readonly _tag: "Resume"
      readonly service: DesiredService
      readonly specHash: string
      readonly stage: "gate" | "hooks"
      readonly trial: TrialContainer
      /** The container it replaces, under its current name (the service's or `--prev[-k]`). */
      readonly old?: ReplacedContainer
      /** post_deploy steps already done (stage `hooks`). */
      readonly hooksDone: number
      readonly strategy: "start-first" | "stop-first"
    }
  | {
      /**
       * A `--next` container a crash left on trial whose spec is no longer the one wanted
       * (or is held): it is stopped and removed, and the old container gets its name back
       * and is started again if it ran before.
       */
      readonly _tag: "RollBack"
      readonly service: DesiredService
      readonly containerName: string
      readonly trial: TrialContainer
      readonly old?: ReplacedContainer
    }
  | {
      /** A `<name>--prev` left alone by a crash (or an older fleetd): it gets the service's name back. */
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
      /** Grace period for its stop, when not the default (an abandoned hook container: 0). */
      readonly stopSeconds?: number
    }
  | { readonly _tag: "Unchanged"; readonly service: string; readonly containerName: string }
  | {
      /**
       * A job (restart "no", or "on-failure" after success) whose container exited on its
       * own: left as it is, not started again until its spec changes (exit code 0:
       * completed; any other: a failed job, reported failed).
       */
      readonly _tag: "Completed"
      readonly service: string
      readonly containerName: string
      readonly exitCode: number
    }
  | { readonly _tag: "Blocked"; readonly service: string; readonly reason: string }
  | {
      /** `x-fleetd.suspend`: whatever runs for the service is left exactly as it is. */
      readonly _tag: "Suspended"
      readonly service: string
      readonly reason: string
      /** Its container, when one exists. */
      readonly containerName?: string
    }
  | {
      /** This spec was rolled back for this service at `revision`: not retried until a new revision or image. */
      readonly _tag: "Held"
      readonly service: string
      readonly containerName: string
      readonly revision: string
      readonly reason: string
    }

/** A container on trial (trial.ts), as observed. */
export interface TrialContainer {
  readonly id: string
  readonly name: string
  readonly state: string
  /** When its trial began, from its label ("" when unknown). */
  readonly since: string
}

/** The container a trial replaces. */
export interface ReplacedContainer {
  readonly id: string
  /** Its current name. */
  readonly name: string
  /** Whether it runs now. */
  readonly running: boolean
  /** Whether it ran before the replacement began: a rollback starts it again only then. */
  readonly wasRunning: boolean
}

/** A container on a network being recreated; `aliases` unset: not connected again (it is going away). */
export interface NetworkAttachment {
  readonly containerId: string
  readonly containerName: string
  readonly aliases?: ReadonlyArray<string>
  /** The rest of the service's endpoint (static addresses, links), when it has any. */
  readonly endpoint?: ReconnectEndpoint
}

/** What a reconnect gives back beyond aliases, so a static address survives the recreate. */
export interface ReconnectEndpoint {
  readonly attachment: ContainerNetwork
  readonly links?: ReadonlyArray<Link>
}

export type ActionTag = Action["_tag"]

/** Actions on networks and volumes that run before the services change (create first). */
export const isResourceSetup = (action: Action): boolean =>
  action._tag === "CreateNetwork" ||
  action._tag === "CreateVolume" ||
  action._tag === "CheckExternal" ||
  action._tag === "RecreateNetwork"

/** Actions on networks and volumes that run after the orphan containers are gone (destroy last). */
export const isResourceTeardown = (action: Action): boolean =>
  action._tag === "RemoveNetwork" ||
  action._tag === "RemoveVolume" ||
  action._tag === "KeepVolume" ||
  action._tag === "ResourceBlocked"

/** Actions that change nothing on the host. */
export const isMutating = (action: Action): boolean =>
  action._tag !== "Unchanged" &&
  action._tag !== "Completed" &&
  action._tag !== "Blocked" &&
  action._tag !== "Held" &&
  action._tag !== "Suspended" &&
  action._tag !== "HandoverPending" &&
  action._tag !== "CheckExternal" &&
  action._tag !== "KeepVolume" &&
  action._tag !== "ResourceBlocked"

/** The service an action is reported against (networks and volumes have none). */
export const actionService = (action: Action): string | undefined => {
  switch (action._tag) {
    case "Create":
    case "Replace":
    case "Resume":
    case "RollBack":
    case "Handover":
      return action.service.name
    case "Start":
    case "Adopt":
    case "Remove":
    case "Unchanged":
    case "Completed":
    case "Blocked":
    case "Held":
    case "Suspended":
    case "HandoverPending":
    case "HandoverFailed":
      return action.service
    case "PullImage":
    case "BuildImage":
    case "CreateNetwork":
    case "CreateVolume":
    case "CheckExternal":
    case "RecreateNetwork":
    case "RemoveNetwork":
    case "RemoveVolume":
    case "KeepVolume":
    case "ResourceBlocked":
      return undefined
  }
}
