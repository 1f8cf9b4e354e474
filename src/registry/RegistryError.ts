import { Data } from "effect"

/**
 * Why a digest could not be resolved. `Unavailable` (connection refused, timeout,
 * 5xx, 429) is retryable; `NotFound` (no such repository or tag) and `Unauthorized`
 * (no or wrong credentials) will not fix themselves until someone acts.
 */
export type RegistryErrorReason = "Unavailable" | "NotFound" | "Unauthorized"

export class RegistryError extends Data.TaggedError("RegistryError")<{
  readonly reason: RegistryErrorReason
  /** The reference that was being resolved, as written in fleet.yaml. */
  readonly ref: string
  /** What went wrong, for the operator; never contains a credential. */
  readonly message: string
}> {}

export const isRetryableRegistryError = (error: RegistryError): boolean => error.reason === "Unavailable"
