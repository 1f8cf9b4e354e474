import type Docker from "dockerode"
import { type Duration, Effect } from "effect"
import type { EngineInfo } from "./ContainerEngine.ts"
import { dialGet } from "./dial.ts"
import { type DiscoverOptions, discoverSocket, type EngineEndpoint } from "./discoverSocket.ts"
import { EngineError } from "./EngineError.ts"
import { engineCall } from "./engineCall.ts"
import { negotiateApiVersion, type VersionResponse } from "./negotiateApiVersion.ts"

export interface EngineConnection {
  /** Pinned to the negotiated API version: every path goes under /v1.xx. */
  readonly docker: Docker
  /** Unversioned, for libpod paths (which are not under /v1.xx). */
  readonly raw: Docker
  readonly info: EngineInfo
}

/**
 * dockerode, and the gRPC stack it pulls in, loads when an engine is first used, so
 * `fleetd validate` and `--help` never pay for it.
 */
let dockerode: typeof import("dockerode") | undefined
const loadDockerode = Effect.promise(async () => {
  dockerode ??= (await import("dockerode")).default
  return dockerode
})

const clientFor = (Docker: typeof import("dockerode"), endpoint: EngineEndpoint, version?: string): Docker =>
  new Docker({
    ...(endpoint.kind === "unix"
      ? { socketPath: endpoint.socketPath }
      : { host: endpoint.host, port: endpoint.port, protocol: "http" as const }),
    ...(version === undefined ? {} : { version: `v${version}` }),
  })

/**
 * Finds the engine, asks `GET /version` which one it is and which API it speaks,
 * and returns clients pinned to the version fleetd will use. One API call.
 */
export const connectEngine = (
  operation: string,
  discover: { readonly endpoint?: string | undefined; readonly env?: DiscoverOptions["env"] | undefined },
  timeout: Duration.Input,
): Effect.Effect<EngineConnection, EngineError> =>
  Effect.gen(function* () {
    const found = discoverSocket({
      endpoint: discover.endpoint,
      ...(discover.env ? { env: discover.env } : {}),
    })
    if (found._tag === "NotFound") {
      return yield* new EngineError({
        reason: "Unavailable",
        operation,
        message: `engine unreachable: no container engine socket found (tried ${found.tried.join(", ")}); start Docker or Podman, or set DOCKER_HOST`,
      })
    }
    if (found._tag === "Invalid") {
      return yield* new EngineError({ reason: "BadRequest", operation, message: found.message })
    }
    const { endpoint } = found
    const Docker = yield* loadDockerode
    const raw = clientFor(Docker, endpoint)
    const response = yield* engineCall(
      { operation, target: `engine at ${endpoint.url}` },
      timeout,
      (signal) =>
        dialGet<VersionResponse>(
          raw,
          { path: "/version", statusCodes: { 200: true, 500: "server error" } },
          signal,
        ),
    )
    const negotiated = negotiateApiVersion(response)
    if (typeof negotiated === "string") {
      return yield* new EngineError({ reason: "BadRequest", operation, message: negotiated })
    }
    return {
      docker: clientFor(Docker, endpoint, negotiated.apiVersion),
      raw,
      info: { ...negotiated, endpoint: endpoint.url },
    }
  })
