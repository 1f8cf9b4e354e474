/**
 * What the swarm target reads back from a Swarm manager: its services (those with a
 * fleet's label), their tasks and the manager itself. Plain data, as ObservedState is
 * for containers; the SwarmEngine builds it from the Engine API's answers.
 */

/** One Swarm service, as the planner and status need it. */
export interface ObservedSwarmService {
  readonly id: string
  readonly name: string
  /** `Version.Index`: an update must name the version it replaces. */
  readonly version: number
  readonly labels: Readonly<Record<string, string>>
  /** `UpdateStatus.State`, when an update ever ran (`updating`, `rollback_completed`, ...). */
  readonly updateState?: string
  /** `UpdateStatus.StartedAt`: tells the update fleetd just asked for from an earlier one. */
  readonly updateStartedAt?: string
  /** `UpdateStatus.Message`: why Swarm paused or rolled back. */
  readonly updateMessage?: string
  /** `Spec.Mode.Replicated.Replicas`; undefined for a global service. */
  readonly replicas?: number
  /** The names of the Swarm secrets and configs its spec uses (an owned one no service uses is removed). */
  readonly objects?: ReadonlyArray<string>
}

/** One task of a service: where it runs and how it stands. */
export interface ObservedTask {
  readonly id: string
  readonly serviceId: string
  /** `Slot` of a replicated service's task. */
  readonly slot?: number
  /** The node's hostname (its id when the node is not listed). */
  readonly node: string
  /** What Swarm wants of it: `running`, `shutdown`, ... */
  readonly desiredState: string
  /** What it is: `running`, `failed`, `rejected`, `preparing`, ... */
  readonly state: string
  /** `Status.Err`: why it failed ("task: non-zero exit (3)"). */
  readonly error?: string
  /** `Status.Timestamp`: when it reached `state`. */
  readonly at: string
}

/** `GET /info`'s `Swarm` part: whether this engine can take service changes. */
export interface SwarmManagerInfo {
  /** `Swarm.ControlAvailable`: this node is a manager. */
  readonly manager: boolean
  /** `Swarm.LocalNodeState`: `inactive`, `active`, `pending`, `error`, `locked`. */
  readonly nodeState: string
  readonly nodes?: number
}
