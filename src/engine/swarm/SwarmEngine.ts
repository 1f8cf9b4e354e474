import { Context, type Effect } from "effect"
import type { ObservedSwarmService, ObservedTask, SwarmManagerInfo } from "../../domain/ObservedSwarm.ts"
import type { EngineError } from "../EngineError.ts"
import type { ServiceSpec } from "./toServiceSpec.ts"

/** A Swarm secret or config fleetd owns (its data is never read back). */
export interface ObservedSwarmObject {
  readonly id: string
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
}

export type SwarmObjectKind = "secret" | "config"

/**
 * A Swarm manager, as the swarm target uses it, through the Engine API. Every method
 * fails only with EngineError; listings are scoped to one fleet's `fleetd.fleet` label,
 * so nothing unmanaged ever reaches a plan.
 */
export class SwarmEngine extends Context.Service<
  SwarmEngine,
  {
    /** `GET /info`: whether the engine is a Swarm manager. */
    readonly manager: Effect.Effect<SwarmManagerInfo, EngineError>
    /** The services labelled `fleetd.fleet=<fleet>`: one API call. */
    readonly listServices: (fleet: string) => Effect.Effect<ReadonlyArray<ObservedSwarmService>, EngineError>
    /** One service by id, re-read (an update's progress). */
    readonly inspectService: (id: string) => Effect.Effect<ObservedSwarmService, EngineError>
    /** Creates a service; gives its id. */
    readonly createService: (spec: ServiceSpec) => Effect.Effect<string, EngineError>
    /** Replaces a service's spec at `version` (Conflict when someone changed it meanwhile). */
    readonly updateService: (
      id: string,
      version: number,
      spec: ServiceSpec,
    ) => Effect.Effect<void, EngineError>
    /** Removes a service (already gone is fine). */
    readonly removeService: (id: string) => Effect.Effect<void, EngineError>
    /** The tasks of these services, with their node's hostname: two API calls. */
    readonly listTasks: (
      serviceIds: ReadonlyArray<string>,
    ) => Effect.Effect<ReadonlyArray<ObservedTask>, EngineError>
    /** The last `tail` lines a task wrote (stdout and stderr), at most 4 KiB. */
    readonly taskLogs: (taskId: string, tail: number) => Effect.Effect<string, EngineError>
    /** The secrets or configs labelled `fleetd.fleet=<fleet>`. */
    readonly listObjects: (
      kind: SwarmObjectKind,
      fleet: string,
    ) => Effect.Effect<ReadonlyArray<ObservedSwarmObject>, EngineError>
    /** Creates a secret or config; gives its id. Its data is never logged nor echoed in errors. */
    readonly createObject: (
      kind: SwarmObjectKind,
      name: string,
      labels: Readonly<Record<string, string>>,
      data: Uint8Array,
    ) => Effect.Effect<string, EngineError>
    /** Removes a secret or config (already gone is fine; in use is Conflict). */
    readonly removeObject: (kind: SwarmObjectKind, id: string) => Effect.Effect<void, EngineError>
  }
>()("fleetd/engine/SwarmEngine") {}
