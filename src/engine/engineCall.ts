import { type Duration, Effect } from "effect"
import { EngineError, type EngineErrorReason } from "./EngineError.ts"

/** The fields dockerode / docker-modem / Node put on the errors they reject with. */
interface LibraryError {
  readonly message?: unknown
  readonly statusCode?: unknown
  readonly code?: unknown
  readonly json?: unknown
}

const unavailableCodes = new Set([
  "ECONNREFUSED",
  "ENOENT",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "ESOCKETTIMEDOUT",
  "UND_ERR_SOCKET",
])

/**
 * Podman 4 answers some client errors with 500: a container name in use ("that name
 * is already in use"), which must read as Conflict, not as a retryable outage.
 */
const podmanConflict = /name is already in use|already in use by|already exists/i

export const reasonFromStatus = (status: number, detail = ""): EngineErrorReason => {
  if (status === 404) return "NotFound"
  if (status === 500 && podmanConflict.test(detail)) return "Conflict"
  if (status === 409) return "Conflict"
  if (status === 400) return "BadRequest"
  if (status === 403) return "Forbidden"
  if (status >= 500) return "Unavailable"
  return "Unknown"
}

/** The engine's own words: the `message` of its JSON body, without the modem's prefix. */
const engineMessage = (error: LibraryError): string | undefined => {
  const json = error.json
  if (typeof json === "object" && json !== null && "message" in json && typeof json.message === "string") {
    return json.message.trim()
  }
  if (typeof json === "string" && json.trim() !== "") return json.trim()
  return undefined
}

export interface CallContext {
  /** e.g. "ContainerEngine.createContainer". */
  readonly operation: string
  /** What was acted on, for the message: "container web-1", "image app:v1". */
  readonly target: string
  /**
   * Strings that must never reach a message (the values of a spec's environment).
   * The engine echoes parts of a request body in some errors.
   */
  readonly redact?: ReadonlyArray<string>
}

const scrub = (text: string, redact: ReadonlyArray<string> | undefined): string =>
  (redact ?? []).reduce((acc, secret) => (secret.length >= 3 ? acc.split(secret).join("***") : acc), text)

/** Maps whatever dockerode rejected with to one EngineError. */
export const toEngineError = (context: CallContext, cause: unknown): EngineError => {
  const error: LibraryError = typeof cause === "object" && cause !== null ? cause : { message: String(cause) }
  const status = typeof error.statusCode === "number" ? error.statusCode : undefined
  const code = typeof error.code === "string" ? error.code : undefined
  const detail = scrub(
    engineMessage(error) ?? (typeof error.message === "string" ? error.message : String(cause)),
    context.redact,
  )
  if (status !== undefined) {
    return new EngineError({
      reason: reasonFromStatus(status, detail),
      operation: context.operation,
      message: `${context.target}: engine answered ${status}: ${detail}`,
      status,
    })
  }
  const unavailable = code !== undefined && unavailableCodes.has(code)
  return new EngineError({
    reason: unavailable ? "Unavailable" : "Unknown",
    operation: context.operation,
    message: unavailable
      ? `${context.target}: engine unreachable (${code}): ${detail} (${unreachableHint(code)})`
      : code === "EACCES"
        ? `${context.target}: ${detail} (permission denied: run fleetd as a user in the socket's group, or as root)`
        : `${context.target}: ${detail}`,
  })
}

/** What to do about an engine that cannot be reached, by the connection's error code. */
const unreachableHint = (code: string) =>
  code === "ENOENT"
    ? "no socket at that path: start Docker or Podman, or point --engine (or DOCKER_HOST) at its socket"
    : code === "ECONNREFUSED"
      ? "nothing accepts connections there: start the engine, or point --engine (or DOCKER_HOST) at it"
      : "check that the engine runs and that --engine (or DOCKER_HOST) points at it"

/**
 * The one place a dockerode promise becomes an Effect: failures become EngineError,
 * and the call is abandoned (its HTTP request aborted) after `timeout`, which reads
 * as Unavailable: an engine that does not answer is as good as down.
 */
export const engineCall = <A>(
  context: CallContext,
  timeout: Duration.Input,
  run: (signal: AbortSignal) => Promise<A>,
): Effect.Effect<A, EngineError> =>
  Effect.tryPromise({
    try: (signal) => run(signal),
    catch: (cause) => toEngineError(context, cause),
  }).pipe(
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () =>
        Effect.fail(
          new EngineError({
            reason: "Unavailable",
            operation: context.operation,
            message: `${context.target}: engine did not answer within the call timeout`,
          }),
        ),
    }),
  )

/** Treats the given HTTP statuses as success (304 on start/stop, 404 on remove). */
export const succeedOnStatus =
  (...statuses: ReadonlyArray<number>) =>
  <A, R>(self: Effect.Effect<A, EngineError, R>): Effect.Effect<A | undefined, EngineError, R> =>
    Effect.catchIf(
      self,
      (error) => error.status !== undefined && statuses.includes(error.status),
      () => Effect.succeed(undefined),
    )
