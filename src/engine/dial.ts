import type Docker from "dockerode"

export interface DialRequest {
  readonly path: string
  /** HTTP statuses that mean success (`true`) or the label of a failure. */
  readonly statusCodes: Readonly<Record<number, true | string>>
  /** Query parameters (the modem encodes them; objects as JSON, as `filters` wants). */
  readonly query?: Readonly<Record<string, unknown>>
}

/**
 * A raw GET through dockerode's modem, for the calls dockerode does not let us abort
 * (network and image inspect drop the AbortSignal) or does not know (libpod paths).
 * Failures reject exactly as dockerode's own methods do, so engineCall maps them alike.
 * The result is the engine's JSON, typed by the caller.
 */
export const dialGet = <A>(client: Docker, request: DialRequest, signal: AbortSignal): Promise<A> =>
  dial(client, "GET", request, undefined, signal)

/**
 * A raw POST with a JSON body, for the calls whose answer dockerode drops (its
 * createVolume resolves to a handle, not to the volume the engine returned).
 */
export const dialPost = <A>(
  client: Docker,
  request: DialRequest,
  body: object,
  signal: AbortSignal,
): Promise<A> => dial(client, "POST", request, body, signal)

/** A raw DELETE (Swarm services, secrets and configs: dockerode's handles drop the AbortSignal). */
export const dialDelete = (client: Docker, request: DialRequest, signal: AbortSignal): Promise<unknown> =>
  dial(client, "DELETE", request, undefined, signal)

const dial = <A>(
  client: Docker,
  method: "GET" | "POST" | "DELETE",
  request: DialRequest,
  body: object | undefined,
  signal: AbortSignal,
): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    // The modem appends the query to a path ending in "?", and sends `_body` as the body.
    const options =
      request.query === undefined
        ? body
        : { _query: encodeQuery(request.query), ...(body === undefined ? {} : { _body: body }) }
    client.modem.dial(
      {
        path: request.query === undefined ? request.path : `${request.path}?`,
        method,
        abortSignal: signal,
        statusCodes: { ...request.statusCodes },
        ...(options === undefined ? {} : { options }),
      },
      (error: unknown, result: unknown) => (error ? reject(error) : resolve(result as A)),
    )
  })

const encodeQuery = (query: Readonly<Record<string, unknown>>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(query)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)]),
  )
