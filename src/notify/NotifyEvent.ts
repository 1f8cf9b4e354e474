/** What a notification is about (docs/notifications.md lists the message of each). */
export type NotifyKind =
  | "ServiceFailed"
  | "ServiceRolledBack"
  | "ServiceDegraded"
  | "ServiceRecovered"
  | "Stalled"
  | "StallCleared"
  | "FetchFailing"
  | "FetchRecovered"
  | "Applied"
  | "RolloutStarted"
  | "RolloutSucceeded"
  | "RolloutFailed"

/** The kinds forge commit-status targets take, and only they (chat targets would be flooded). */
export const rolloutKinds: ReadonlySet<NotifyKind> = new Set([
  "RolloutStarted",
  "RolloutSucceeded",
  "RolloutFailed",
])

/** An event for message targets (every kind but a rollout's). */
export const isMessageEvent = (event: NotifyEvent) => !rolloutKinds.has(event.kind)

/** How a target shows it: a colour, a priority, a commit status. */
export type NotifySeverity = "error" | "warning" | "success" | "info"

/** One change of state worth a message: made by stateChanges, delivered by the Notifier. */
export interface NotifyEvent {
  readonly kind: NotifyKind
  readonly severity: NotifySeverity
  /** The config file's source name (`default` from flags). */
  readonly source: string
  /** The fleet (the project's, with `projects`); absent when the source has none yet. */
  readonly fleet?: string
  readonly service?: string
  readonly revision?: string
  /** One line: what changed, for which fleet and service. */
  readonly title: string
  /** More lines: why (the error, the rollback reason, the change summary). */
  readonly detail?: string
  /** ISO 8601. */
  readonly at: string
  /**
   * Identifies this change of state: the Notifier drops an event whose key is already
   * waiting in a target's queue, so one transition is one message however often offered.
   */
  readonly key: string
}
