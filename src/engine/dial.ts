import type Docker from "dockerode"

export interface DialRequest {
  readonly path: string
  /** HTTP statuses that mean success (`true`) or the label of a failure. */
  readonly statusCodes: Readonly<Record<number, true | string>>
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

const dial = <A>(
  client: Docker,
  method: "GET" | "POST",
  request: DialRequest,
  body: object | undefined,
  signal: AbortSignal,
): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    client.modem.dial(
      {
        path: request.path,
        method,
        abortSignal: signal,
        statusCodes: { ...request.statusCodes },
        ...(body === undefined ? {} : { options: body }),
      },
      (error: unknown, result: unknown) => (error ? reject(error) : resolve(result as A)),
    )
  })
