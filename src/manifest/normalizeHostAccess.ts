/**
 * The service fields that reach past the container's own sandbox (privileges, host
 * namespaces, capabilities, devices, security options, sysctls, other containers'
 * volumes) → the matching ContainerSpec fields. Normalization only: whether any of it
 * is allowed is the operator policy's decision (src/policy), never the manifest's.
 * Each field appears in the spec only when the manifest sets it, so specs that predate
 * these fields keep their hash. Where an item was written is recorded in `origins`.
 */
import type { ContainerSpec, Device, VolumesFromEntry } from "../domain/ContainerSpec.ts"
import type { Dependency } from "../domain/DesiredState.ts"
import type { Service } from "./Manifest.ts"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
export type HostAccess = Pick<
  ContainerSpec,
  | "privileged"
  | "pidMode"
  | "ipcMode"
  | "utsMode"
  | "usernsMode"
  | "volumesFrom"
  | "capAdd"
  | "capDrop"
  | "devices"
  | "securityOpt"
  | "sysctls"
>

/** `cap_add: [net_admin]`, `[CAP_NET_ADMIN]` and `[NET_ADMIN]` mean the same capability. */
export const normalizeCapability = (cap: string): string => cap.trim().toUpperCase().replace(/^CAP_/, "")

const sorted = (values: Iterable<string>): Array<string> => [...new Set(values)].sort()

const parseDevice = (device: NonNullable<Service["devices"]>[number]): Device => {
  if (typeof device !== "string")
    return {
      host: device.source,
      container: device.target ?? device.source,
      permissions: device.permissions ?? "rwm",
    }
  const [host, container, permissions] = device.split(":") as [string, string | undefined, string | undefined]
  return { host, container: container ?? host, permissions: permissions ?? "rwm" }
}

export const normalizeHostAccess = (
  name: string,
  service: Service,
  containerOf: (service: string) => string,
  origins: Record<string, ReadonlyArray<PropertyKey>>,
): { readonly access: HostAccess; readonly dependsOn: ReadonlyArray<Dependency> } => {
  const at = ["services", name]
  const access: Mutable<HostAccess> = {}
  const dependsOn: Array<Dependency> = []
  if (service.privileged === true) access.privileged = true
  if (service.pid === "host") access.pidMode = "host"
  if (service.ipc !== undefined) access.ipcMode = service.ipc
  if (service.uts === "host") access.utsMode = "host"
  if (service.userns_mode === "host") access.usernsMode = "host"

  const list = (field: "cap_add" | "cap_drop" | "security_opt", map: (s: string) => string) => {
    const values = service[field]
    if (values === undefined) return undefined
    for (const [i, v] of values.entries()) origins[`${field}:${map(v)}`] ??= [...at, field, i]
    return sorted(values.map(map))
  }
  const capAdd = list("cap_add", normalizeCapability)
  if (capAdd !== undefined) access.capAdd = capAdd
  const capDrop = list("cap_drop", normalizeCapability)
  if (capDrop !== undefined) access.capDrop = capDrop
  const securityOpt = list("security_opt", (s) => s.trim())
  if (securityOpt !== undefined) access.securityOpt = securityOpt

  if (service.devices !== undefined) {
    const devices = service.devices.map((d, i) => {
      const device = parseDevice(d)
      origins[`devices:${device.host}`] ??= [...at, "devices", i]
      return device
    })
    access.devices = devices.sort((a, b) =>
      a.container < b.container ? -1 : a.container > b.container ? 1 : 0,
    )
  }

  if (service.sysctls !== undefined) {
    const entries: Array<[string, string, PropertyKey]> = Array.isArray(service.sysctls)
      ? (service.sysctls as ReadonlyArray<string>).map((s, i) => {
          const eq = s.indexOf("=")
          return [s.slice(0, eq).trim(), s.slice(eq + 1).trim(), i]
        })
      : Object.entries(service.sysctls as Record<string, string | number>).map(([k, v]) => [k, String(v), k])
    const sysctls: Record<string, string> = {}
    for (const [key, value, where] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      sysctls[key] = value
      origins[`sysctls:${key}`] ??= [...at, "sysctls", where]
    }
    access.sysctls = sysctls
  }

  if (service.volumes_from !== undefined) {
    access.volumesFrom = service.volumes_from.map((entry, i): VolumesFromEntry => {
      const external = entry.startsWith("container:")
      const [source, mode] = (external ? entry.slice("container:".length) : entry).split(":") as [
        string,
        string | undefined,
      ]
      const container = external ? source : containerOf(source)
      origins[`volumes_from:${container}`] ??= [...at, "volumes_from", i]
      if (!external) dependsOn.push({ service: source, condition: "service_started", required: true })
      return { container, readOnly: mode === "ro", managed: !external }
    })
  }
  // Joining a sibling's network namespace needs the sibling to exist first, as in Compose.
  if (service.network_mode?.startsWith("service:") === true)
    dependsOn.push({ service: service.network_mode.slice(8), condition: "service_started", required: true })
  return { access, dependsOn }
}
