import type { NoticeOptions } from "./stateChanges.ts"
import type { NotifyTarget } from "./targets/NotifyTarget.ts"

/** The daemon's notifications (docs/notifications.md): parsed targets and what to tell. */
export interface NotifySettings {
  /** Built from URLs that hold tokens: a target shows only its label. */
  readonly targets: ReadonlyArray<NotifyTarget>
  readonly notice: NoticeOptions
}
