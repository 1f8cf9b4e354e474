import { existsSync } from "node:fs"

/** Where to reach an engine, in dockerode's terms plus the URL shown to the operator. */
export type EngineEndpoint =
  | { readonly kind: "unix"; readonly url: string; readonly socketPath: string }
  | { readonly kind: "tcp"; readonly url: string; readonly host: string; readonly port: number }

export type Discovery =
  | { readonly _tag: "Found"; readonly endpoint: EngineEndpoint }
  | { readonly _tag: "Invalid"; readonly message: string }
  | { readonly _tag: "NotFound"; readonly tried: ReadonlyArray<string> }

export interface DiscoverOptions {
  /** Explicit endpoint (`unix:///path`, `/path` or `tcp://host:port`); overrides everything. */
  readonly endpoint?: string | undefined
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly exists?: (path: string) => boolean
}

/**
 * Parses one endpoint the user named. TCP is accepted only here, that is only when the
 * user wrote it down: discovery never guesses a network address, and never speaks TLS
 * (DOCKER_TLS_VERIFY setups are not supported yet).
 */
export const parseEndpoint = (value: string): EngineEndpoint | string => {
  if (value.startsWith("/")) return { kind: "unix", url: `unix://${value}`, socketPath: value }
  if (value.startsWith("unix://")) {
    const socketPath = value.slice("unix://".length)
    if (!socketPath.startsWith("/")) return `engine endpoint ${value} must name an absolute socket path`
    return { kind: "unix", url: value, socketPath }
  }
  if (value.startsWith("tcp://")) {
    const match = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(value)
    const port = Number(match?.[2])
    if (match === null || match[1] === undefined || !(port > 0 && port < 65536)) {
      return `engine endpoint ${value} is not tcp://host:port`
    }
    return { kind: "tcp", url: value, host: match[1].replace(/^\[|\]$/g, ""), port }
  }
  return `engine endpoint ${value} must start with unix:// or tcp:// (ssh:// and npipe:// are not supported)`
}

/**
 * Finds the engine the way the docker CLI would, plus Podman's usual sockets:
 * the explicit endpoint, else DOCKER_HOST, else the first socket file that exists.
 * A socket file that exists may still have no daemon behind it; the first call says so.
 */
export const discoverSocket = (options: DiscoverOptions = {}): Discovery => {
  const env = options.env ?? process.env
  const exists = options.exists ?? existsSync
  const named = options.endpoint ?? (env["DOCKER_HOST"] === "" ? undefined : env["DOCKER_HOST"])
  if (named !== undefined) {
    const parsed = parseEndpoint(named)
    return typeof parsed === "string"
      ? { _tag: "Invalid", message: parsed }
      : { _tag: "Found", endpoint: parsed }
  }
  const runtimeDir = env["XDG_RUNTIME_DIR"]
  const candidates = [
    "/var/run/docker.sock",
    ...(runtimeDir ? [`${runtimeDir}/docker.sock`] : []),
    "/run/podman/podman.sock",
    ...(runtimeDir ? [`${runtimeDir}/podman/podman.sock`] : []),
  ]
  const found = candidates.find((path) => exists(path))
  return found === undefined
    ? { _tag: "NotFound", tried: ["DOCKER_HOST (unset)", ...candidates] }
    : { _tag: "Found", endpoint: { kind: "unix", url: `unix://${found}`, socketPath: found } }
}
