import { Effect } from "effect"
import { Labels } from "../domain/labels.ts"
import { EngineError } from "./EngineError.ts"

export interface LabelledResource {
  readonly Labels?: Readonly<Record<string, string>> | null | undefined
}

export interface EnsureRequest {
  readonly operation: string
  readonly what: "network" | "volume"
  readonly name: string
  readonly fleet: string
  readonly external: boolean
  /** Inspects the resource by name; NotFound means it does not exist. */
  readonly inspect: Effect.Effect<LabelledResource, EngineError>
  readonly create: Effect.Effect<unknown, EngineError>
}

/**
 * Create-if-missing for networks and volumes, with ownership: an existing one must
 * carry `fleetd.fleet=<fleet>` or fleetd refuses to use it (it would otherwise adopt,
 * and one day remove, something the operator made). External ones are only checked
 * for existence: the operator owns them.
 */
export const ensureResource = (request: EnsureRequest): Effect.Effect<void, EngineError> =>
  Effect.gen(function* () {
    const { operation, what, name, fleet } = request
    const existing = yield* Effect.catchIf(
      request.inspect,
      (e) => e.reason === "NotFound",
      () => Effect.succeed(undefined),
    )
    if (request.external) {
      if (existing !== undefined) return
      return yield* new EngineError({
        reason: "NotFound",
        operation,
        message: `external ${what} ${name} does not exist; create it first or drop \`external: true\``,
      })
    }
    if (existing === undefined) {
      yield* request.create
      return
    }
    if (existing.Labels?.[Labels.fleet] === fleet) return
    return yield* new EngineError({
      reason: "Conflict",
      operation,
      message: `${what} ${name} exists but is not managed by fleet ${fleet} (no ${Labels.fleet}=${fleet} label); rename it, remove it, or declare it external`,
    })
  })
