import { Data } from "effect"
import type { HookResult } from "../domain/HookResult.ts"

/** A step of an action failed; `message` is what the operator reads in status and logs. */
export class ActionError extends Data.TaggedError("ActionError")<{
  readonly service: string
  readonly message: string
  /** The new container failed its health gate and the old one serves again. */
  readonly rolledBack?: boolean
  /** The last lines the failed container wrote (stdout and stderr), when they were read. */
  readonly logs?: string
  /** Every hook step that ran for this change, the failed one included. */
  readonly hooks?: ReadonlyArray<HookResult>
}> {}
