import { Data } from "effect"

/**
 * Why an engine call failed. `Unavailable` (socket missing, connection refused or
 * reset, engine 5xx) is the only retryable reason; the others are permanent for the
 * request that caused them.
 */
export type EngineErrorReason =
  | "NotFound"
  | "Conflict"
  | "Unavailable"
  | "BadRequest"
  | "Forbidden"
  | "Unknown"

export class EngineError extends Data.TaggedError("EngineError")<{
  readonly reason: EngineErrorReason
  /** The service method that failed, e.g. "ContainerEngine.createContainer". */
  readonly operation: string
  /** What the engine (or the socket) said, for the operator. */
  readonly message: string
  /** HTTP status from the Engine API, when there was one. */
  readonly status?: number
}> {}

export const isRetryable = (error: EngineError): boolean => error.reason === "Unavailable"
