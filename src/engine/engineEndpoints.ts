/**
 * Every Engine API request fleetd makes, in one place, so an operator can put a socket
 * proxy in front of the engine that refuses everything else (docs/engine-api.md, which
 * a unit test keeps identical to this list). The suite runs apply, plan and the daemon
 * through a proxy that forwards exactly these and refuses the rest
 * (test/support/allowListProxy.ts). A new call in src/engine needs an entry here.
 */

export type EngineMethod = "GET" | "POST" | "PUT" | "DELETE"

export interface EngineEndpoint {
  readonly method: EngineMethod
  /**
   * The path as the Engine API documents it. `{id}` is one path segment; `{name}` of an
   * image is a reference and may hold `/` (`registry:5000/team/app:v1`). Versioned
   * endpoints are requested under the negotiated `/v1.xx` prefix.
   */
  readonly path: string
  /** False for the two that are not under `/v1.xx`: `/version` (asked before negotiating) and libpod's. */
  readonly versioned: boolean
  /** Podman only: libpod endpoints fleetd uses where the compat API falls short. */
  readonly podmanOnly: boolean
  /** The swarm target only (`--swarm`, docs/swarm.md): asked of a Swarm manager. */
  readonly swarmOnly?: boolean
  /** What fleetd uses it for. */
  readonly purpose: string
}

const endpoint = (
  method: EngineMethod,
  path: string,
  purpose: string,
  options: { readonly versioned?: boolean; readonly podmanOnly?: boolean; readonly swarmOnly?: boolean } = {},
): EngineEndpoint => ({
  method,
  path,
  versioned: options.versioned ?? true,
  podmanOnly: options.podmanOnly ?? false,
  ...(options.swarmOnly ? { swarmOnly: true } : {}),
  purpose,
})

const swarm = (method: EngineMethod, path: string, purpose: string) =>
  endpoint(method, path, purpose, { swarmOnly: true })

export const engineEndpoints: ReadonlyArray<EngineEndpoint> = [
  endpoint("GET", "/version", "which engine this is and which API version to speak (first call)", {
    versioned: false,
  }),
  endpoint("GET", "/containers/json", "list the containers of a fleet (label filter), and of every fleet"),
  endpoint(
    "POST",
    "/containers/create",
    "create a service's container, a `--next` replacement or a hook container",
  ),
  endpoint("GET", "/containers/{id}/json", "inspect a container: state, health, exit code, restarts"),
  endpoint("PUT", "/containers/{id}/archive", "copy `configs:`/`secrets:` files into a created container"),
  endpoint("POST", "/containers/{id}/start", "start a container"),
  endpoint("POST", "/containers/{id}/stop", "stop a container with its grace period"),
  endpoint("POST", "/containers/{id}/kill", "kill a hook container that overran its timeout"),
  endpoint("POST", "/containers/{id}/wait", "wait for a hook container to exit"),
  endpoint(
    "POST",
    "/containers/{id}/rename",
    "rename during a rollout: `--next` until the gate passes, the old one `--prev[-k]` until post_deploy passes",
  ),
  endpoint("GET", "/containers/{id}/logs", "the log tail of a failed gate or hook"),
  endpoint("DELETE", "/containers/{id}", "remove a container (with its anonymous volumes)"),
  endpoint("POST", "/containers/{id}/exec", "create an `exec` hook step"),
  endpoint("POST", "/exec/{id}/start", "run an `exec` hook step and read its output"),
  endpoint("GET", "/exec/{id}/json", "an `exec` hook step's exit code"),
  endpoint(
    "GET",
    "/events",
    "a daemon follows container changes, so a no-op pass need not list (docs/engine-events.md)",
  ),
  endpoint("GET", "/images/json", "list images: which references are present, and their ids"),
  endpoint("POST", "/images/create", "pull an image (`fromImage`)"),
  endpoint("GET", "/images/{name}/json", "the id of an image just pulled or built"),
  endpoint("POST", "/build", "build a service's image (`build:`) with the classic builder"),
  endpoint("GET", "/networks", "list the networks of a fleet (label filter)"),
  endpoint("GET", "/networks/{id}", "inspect a network before creating it"),
  endpoint("POST", "/networks/create", "create a network of the fleet"),
  endpoint("POST", "/networks/{id}/connect", "join a container to its second and further networks"),
  endpoint("POST", "/networks/{id}/disconnect", "take a container off a network that must be recreated"),
  endpoint("DELETE", "/networks/{id}", "remove a network the fleet no longer declares"),
  endpoint("GET", "/volumes", "list the volumes of a fleet, or the records of its lease (label filter)"),
  endpoint("GET", "/volumes/{name}", "inspect a volume before creating it"),
  endpoint(
    "POST",
    "/volumes/create",
    "create a volume of the fleet, or the next record of its lease (docs/lease.md)",
  ),
  endpoint(
    "DELETE",
    "/volumes/{name}",
    "remove a volume the fleet no longer declares, or an old lease record",
  ),
  endpoint("POST", "/v4.0.0/libpod/images/pull", "pull from a registry on loopback over plain HTTP", {
    versioned: false,
    podmanOnly: true,
  }),
  endpoint(
    "GET",
    "/v4.0.0/libpod/containers/{id}/healthcheck",
    "run a due healthcheck (Podman without systemd never runs them)",
    { versioned: false, podmanOnly: true },
  ),
  swarm("GET", "/info", "whether the engine is a Swarm manager (`Swarm.ControlAvailable`)"),
  swarm("GET", "/services", "list the Swarm services of a fleet (label filter)"),
  swarm("GET", "/services/{id}", "follow a service's update (`UpdateStatus`)"),
  swarm("POST", "/services/create", "create a service's Swarm service"),
  swarm("POST", "/services/{id}/update", "update a Swarm service to a new spec (at its version)"),
  swarm("DELETE", "/services/{id}", "remove a Swarm service the fleet no longer declares"),
  swarm("GET", "/tasks", "the tasks of the fleet's services: node, state, error"),
  swarm("GET", "/tasks/{id}/logs", "the log tail of a failed task"),
  swarm("GET", "/nodes", "the hostnames of the nodes tasks run on"),
  swarm("GET", "/secrets", "list the Swarm secrets of a fleet (label filter)"),
  swarm("POST", "/secrets/create", "create a content-named Swarm secret of the fleet"),
  swarm("DELETE", "/secrets/{id}", "remove a secret no service of the fleet uses any more"),
  swarm("GET", "/configs", "list the Swarm configs of a fleet (label filter)"),
  swarm("POST", "/configs/create", "create a content-named Swarm config of the fleet"),
  swarm("DELETE", "/configs/{id}", "remove a config no service of the fleet uses any more"),
]

/** One path segment, never `.` or `..` (which an engine would resolve to another path). */
const segment = "(?!\\.\\.?(?:/|$))[^/]+"
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const patternOf = (e: EngineEndpoint): RegExp => {
  const body = e.path
    .split(/(\{[a-z]+\})/)
    .map((part) => {
      if (part === "{id}" || (part === "{name}" && !e.path.startsWith("/images/"))) return segment
      if (part === "{name}") return `${segment}(?:/${segment})*`
      return escapeRegExp(part)
    })
    .join("")
  return new RegExp(`^${e.versioned ? "(?:/v\\d+\\.\\d+)?" : ""}${body}$`)
}

const patterns = engineEndpoints.map((e) => ({ endpoint: e, pattern: patternOf(e) }))

/**
 * The entry a request matches, if any: `path` is the URL path without its query
 * string, as it goes over the socket (percent-encoded), with or without `/v1.xx`.
 */
export const findEngineEndpoint = (method: string, path: string): EngineEndpoint | undefined => {
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    return undefined
  }
  return patterns.find((p) => p.endpoint.method === method && p.pattern.test(decoded))?.endpoint
}
