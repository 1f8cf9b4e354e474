/**
 * The operator policy file: what the fleet repository may ask of the host beyond a
 * plain container. It lives outside the repository (`--policy FILE`), so a push can
 * never grant itself root (DESIGN.md, principle 6). Everything is denied unless this
 * file allows it; with no file at all, `emptyPolicy` applies. Decode with
 * `onExcessProperty: "error"`: a misspelt key must not silently allow nothing (or more).
 */
import { Schema } from "effect"
import { normalizeHostPath } from "./hostPaths.ts"

const opt = Schema.optionalKey

const List = (description: string) => Schema.Array(Schema.String).annotate({ description })

const HostPath = Schema.String.annotate({ description: "Absolute host path" }).check(
  Schema.makeFilter((s: string) =>
    normalizeHostPath(s) === undefined
      ? `"${s}" must be an absolute host path without ".." (e.g. /srv/media)`
      : undefined,
  ),
)

export const HostNamespace = Schema.Literals(["pid", "ipc", "uts", "userns", "cgroup"])
export type HostNamespace = typeof HostNamespace.Type

export const PolicyAllow = Schema.Struct({
  privileged: opt(Schema.Boolean.annotate({ description: "Allow `privileged: true`" })),
  host_namespaces: opt(
    Schema.Array(HostNamespace).annotate({
      description: "Host namespaces services may join: pid, ipc, uts, userns, cgroup",
    }),
  ),
  network_mode_host: opt(Schema.Boolean.annotate({ description: "Allow `network_mode: host`" })),
  cap_add: opt(List("Capabilities `cap_add` may name, e.g. NET_ADMIN (ALL only if listed)")),
  devices: opt(
    Schema.Array(HostPath).annotate({
      description: "Host device paths (or directories of them) services may use",
    }),
  ),
  bind_mounts: opt(
    Schema.Array(HostPath).annotate({
      description: "Host path prefixes bind mounts may use, matched by path component",
    }),
  ),
  engine_socket: opt(
    Schema.Boolean.annotate({
      description: "Allow binding the Docker/Podman socket (or a directory holding it)",
    }),
  ),
  security_opt: opt(List("security_opt values allowed beyond no-new-privileges, e.g. seccomp=unconfined")),
  sysctls: opt(List("sysctl names services may set, e.g. net.ipv4.ip_forward")),
  runtimes: opt(List("OCI runtimes `runtime:` may name, e.g. runc, nvidia, kata")),
  device_requests: opt(
    Schema.Boolean.annotate({
      description: "Allow device requests: `gpus` and `deploy.resources.reservations.devices`",
    }),
  ),
  cgroup_parent: opt(List("Parent cgroups `cgroup_parent` may name, exactly as written, e.g. /fleet.slice")),
  device_cgroup_rules: opt(
    List('`device_cgroup_rules` entries services may add, exactly as written, e.g. "c 189:* rmw"'),
  ),
}).annotate({
  identifier: "PolicyAllow",
  description: "What the fleet may ask for; everything else is denied",
})

export const Policy = Schema.Struct({
  allow: opt(Schema.NullOr(PolicyAllow)),
}).annotate({
  identifier: "FleetdPolicy",
  title: "fleetd operator policy",
  description: "What fleet.yaml may ask of the host. Kept outside the fleet repository; default deny.",
})

export type Policy = typeof Policy.Type
export type PolicyAllow = typeof PolicyAllow.Type

/** No file: nothing beyond a plain container is allowed. */
export const emptyPolicy: Policy = {}
