/**
 * The operator policy applied to what would reach the Engine API: pure, on the
 * normalized specs (what fleetd would send, not what the YAML looked like), so no
 * spelling of a field can slip past it. Each violation names the service, the
 * manifest field to edit and the policy key that would allow it.
 */
import type { DesiredService, DesiredState, DesiredVolume } from "../domain/DesiredState.ts"
import { normalizeCapability } from "../manifest/normalizeHostAccess.ts"
import { exposesEngineSocket, isEngineSocket, isUnderPrefix, normalizeHostPath } from "./hostPaths.ts"
import type { HostNamespace, Policy } from "./Policy.ts"

export interface PolicyViolation {
  readonly service: string
  /** Manifest path of the offending field, e.g. ["services", "web", "cap_add", 0]. */
  readonly path: ReadonlyArray<PropertyKey>
  /** The `allow:` key that would permit it; undefined when nothing can (`container:x`, `..`). */
  readonly key: string | undefined
  readonly message: string
}

/** security_opt values that only add confinement. */
const harmlessSecurityOpts = new Set(["no-new-privileges", "no-new-privileges=true"])

/** `seccomp:unconfined` and `seccomp=unconfined` are the same option to the engine. */
const canonicalSecurityOpt = (opt: string): string => opt.trim().replace(/^([a-z-]+):/, "$1=")

const denied = (what: string, allowWith: string) =>
  `denied by operator policy: ${what} is not allowed; allow it with ${allowWith} in the policy file`

/** Every violation of one service; `volumes` are the fleet's named volumes. */
export const checkService = (
  service: DesiredService,
  policy: Policy,
  context: {
    readonly volumes: ReadonlyArray<DesiredVolume>
    readonly services: ReadonlyArray<DesiredService>
  } = { volumes: [], services: [] },
): ReadonlyArray<PolicyViolation> => {
  const allow = policy.allow ?? {}
  const spec = service.spec
  const at = ["services", service.name]
  const violations: Array<PolicyViolation> = []
  const where = (origin: string, field: string) => service.origins?.[origin] ?? [...at, field]
  const push = (path: ReadonlyArray<PropertyKey>, key: string | undefined, message: string) =>
    violations.push({ service: service.name, path, key, message })

  if (spec.privileged === true && allow.privileged !== true)
    push([...at, "privileged"], "privileged", denied("privileged: true", "allow.privileged: true"))

  const namespaces: ReadonlyArray<[HostNamespace, string, boolean]> = [
    ["pid", "pid", spec.pidMode === "host"],
    ["ipc", "ipc", spec.ipcMode === "host"],
    ["uts", "uts", spec.utsMode === "host"],
    ["userns", "userns_mode", spec.usernsMode === "host"],
    ["cgroup", "cgroup", spec.cgroupnsMode === "host"],
  ]
  for (const [ns, field, used] of namespaces)
    if (used && !(allow.host_namespaces ?? []).includes(ns))
      push(
        [...at, field],
        "host_namespaces",
        denied(`${field}: host (the host's ${ns} namespace)`, `allow.host_namespaces: [${ns}]`),
      )

  const mode = spec.networkMode
  const sibling = mode?.startsWith("container:")
    ? context.services.find((s) => `container:${s.containerName}` === mode)
    : undefined
  if (mode?.startsWith("container:") === true && sibling === undefined)
    push(
      [...at, "network_mode"],
      undefined,
      `denied by operator policy: network_mode ${mode} joins a container fleetd does not manage; only service:<name> of this fleet may be joined`,
    )
  // Joining a sibling that uses the host's network is using the host's network.
  if ((mode === "host" || sibling?.spec.networkMode === "host") && allow.network_mode_host !== true)
    push(
      [...at, "network_mode"],
      "network_mode_host",
      denied(
        mode === "host" ? "network_mode: host" : `network_mode ${mode} (which uses the host's network)`,
        "allow.network_mode_host: true",
      ),
    )

  for (const v of spec.volumesFrom ?? [])
    if (!v.managed)
      push(
        where(`volumes_from:${v.container}`, "volumes_from"),
        undefined,
        `denied by operator policy: volumes_from container:${v.container} is a container fleetd does not manage; only services of this fleet may be named`,
      )

  const caps = new Set((allow.cap_add ?? []).map(normalizeCapability))
  for (const cap of spec.capAdd ?? [])
    if (!caps.has(cap))
      push(where(`cap_add:${cap}`, "cap_add"), "cap_add", denied(`cap_add ${cap}`, `allow.cap_add: [${cap}]`))

  for (const device of spec.devices ?? [])
    if (!(allow.devices ?? []).some((prefix) => isUnderPrefix(device.host, prefix)))
      push(
        where(`devices:${device.host}`, "devices"),
        "devices",
        normalizeHostPath(device.host) === undefined
          ? `denied by operator policy: device ${device.host} contains ".."; write the path without it`
          : denied(`device ${device.host}`, `allow.devices: [${device.host}]`),
      )

  // blkio_config names host block devices: the same host access as `devices`.
  const blkioPaths = new Set(
    [
      ...(spec.blkio?.weightDevice ?? []),
      ...(spec.blkio?.deviceReadBps ?? []),
      ...(spec.blkio?.deviceWriteBps ?? []),
      ...(spec.blkio?.deviceReadIOps ?? []),
      ...(spec.blkio?.deviceWriteIOps ?? []),
    ].map((d) => d.path),
  )
  for (const path of blkioPaths)
    if (!(allow.devices ?? []).some((prefix) => isUnderPrefix(path, prefix)))
      push(
        where(`blkio:${path}`, "blkio_config"),
        "devices",
        normalizeHostPath(path) === undefined
          ? `denied by operator policy: blkio_config device ${path} is not an absolute path without ".."`
          : denied(`blkio_config on device ${path}`, `allow.devices: [${path}]`),
      )
  if (spec.cgroupParent !== undefined && !(allow.cgroup_parent ?? []).includes(spec.cgroupParent))
    push(
      [...at, "cgroup_parent"],
      "cgroup_parent",
      denied(`cgroup_parent ${spec.cgroupParent}`, `allow.cgroup_parent: [${spec.cgroupParent}]`),
    )

  const allowedOpts = new Set((allow.security_opt ?? []).map(canonicalSecurityOpt))
  for (const opt of spec.securityOpt ?? []) {
    const canonical = canonicalSecurityOpt(opt)
    if (!harmlessSecurityOpts.has(canonical) && !allowedOpts.has(canonical))
      push(
        where(`security_opt:${opt}`, "security_opt"),
        "security_opt",
        denied(`security_opt ${opt}`, `allow.security_opt: [${JSON.stringify(opt)}]`),
      )
  }

  for (const name of Object.keys(spec.sysctls ?? {}))
    if (!(allow.sysctls ?? []).includes(name))
      push(
        where(`sysctls:${name}`, "sysctls"),
        "sysctls",
        denied(`sysctl ${name}`, `allow.sysctls: [${name}]`),
      )

  if (spec.runtime !== undefined && !(allow.runtimes ?? []).includes(spec.runtime))
    push(
      [...at, "runtime"],
      "runtimes",
      denied(`runtime ${spec.runtime}`, `allow.runtimes: [${spec.runtime}]`),
    )
  if (spec.deviceRequests !== undefined && allow.device_requests !== true)
    push(
      where("device_requests", "gpus"),
      "device_requests",
      denied("a device request (GPUs)", "allow.device_requests: true"),
    )
  const rules = new Set((allow.device_cgroup_rules ?? []).map((r) => r.trim().split(/\s+/).join(" ")))
  for (const rule of spec.deviceCgroupRules ?? [])
    if (!rules.has(rule))
      push(
        where(`device_cgroup_rules:${rule}`, "device_cgroup_rules"),
        "device_cgroup_rules",
        denied(`device cgroup rule "${rule}"`, `allow.device_cgroup_rules: ["${rule}"]`),
      )

  for (const mount of spec.mounts) {
    if (mount.type === "bind" && mount.hostPath !== undefined)
      violations.push(
        ...checkHostPath(
          service.name,
          where(`volumes:${mount.target}`, "volumes"),
          [mount.hostPath, mount.source],
          allow,
        ),
      )
    if (mount.type !== "volume") continue
    const volume = context.volumes.find((v) => v.name === mount.source)
    const device = volume === undefined ? undefined : volumeHostPath(volume)
    if (volume !== undefined && device !== undefined)
      violations.push(
        ...checkHostPath(service.name, ["volumes", volume.key, "driver_opts", "device"], [device], allow).map(
          (v) => ({ ...v, message: `${v.message} (volume ${volume.key}, mounted at ${mount.target})` }),
        ),
      )
  }
  // A hook's one-shot container reaches the Engine API too: its mounts face the same
  // rules (the rest of its spec is the service's own, checked above).
  for (const steps of Object.values(service.hooks ?? {}))
    for (const step of steps ?? [])
      if (step.kind === "run") {
        const { networkMode: _inherited, ...spec } = step.spec
        const { hooks: _hooks, ...rest } = service
        violations.push(...checkService({ ...rest, spec, origins: step.origins ?? {} }, policy, context))
      }
  return violations
}

/** A named volume's host path, when its driver options bind or mount one. */
export const volumeHostPath = (volume: DesiredVolume): string | undefined => {
  const device = volume.driverOpts?.["device"]
  return device?.startsWith("/") ? device : undefined
}

/** A bind source, as written and as resolved: both must be allowed. */
export const checkHostPath = (
  service: string,
  path: ReadonlyArray<PropertyKey>,
  paths: ReadonlyArray<string>,
  allow: NonNullable<Policy["allow"]>,
): ReadonlyArray<PolicyViolation> => {
  const [written] = paths
  const violation = (key: string | undefined, message: string) => [{ service, path, key, message }]
  for (const p of new Set(paths)) {
    const shown = p === written ? p : `${written} (really ${p})`
    if (normalizeHostPath(p) === undefined)
      return violation(
        undefined,
        `denied by operator policy: bind mount source ${p} contains ".."; write the path without it`,
      )
    if (exposesEngineSocket(p) && allow.engine_socket !== true)
      return violation(
        "engine_socket",
        denied(`binding ${shown}, which exposes the container engine's socket,`, "allow.engine_socket: true"),
      )
    // The socket itself needs only its own key; a directory holding one needs both.
    if (isEngineSocket(p)) continue
    if (!(allow.bind_mounts ?? []).some((prefix) => isUnderPrefix(p, prefix)))
      return violation("bind_mounts", denied(`bind mount of host path ${shown}`, `allow.bind_mounts: [${p}]`))
  }
  return []
}

/** Every violation in the fleet, service by service in manifest-name order. */
export const checkPolicy = (desired: DesiredState, policy: Policy): ReadonlyArray<PolicyViolation> =>
  desired.services.flatMap((service) =>
    checkService(service, policy, { volumes: desired.volumes, services: desired.services }),
  )
