import { Data } from "effect"

/** A step of an action failed; `message` is what the operator reads in status and logs. */
export class ActionError extends Data.TaggedError("ActionError")<{
  readonly service: string
  readonly message: string
}> {}
