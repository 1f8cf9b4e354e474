/**
 * The networking and container-I/O fields of a service (networks with their
 * addresses and priority, expose, links, dns, mac_address, domainname, tty,
 * stdin_open, logging, annotations) → ContainerSpec fields, with Compose v2's meaning
 * (docker/compose pkg/compose/create.go). Every field is set only when the manifest
 * uses it, so specs written before these fields existed keep their hash. The top-level
 * network fields (ipam, attachable, ...) → DesiredNetwork are here too.
 */
import type { ContainerSpec, Link, NetworkAttachment } from "../domain/ContainerSpec.ts"
import type { Dependency, DesiredNetwork, NetworkIpam } from "../domain/DesiredState.ts"
import type { Network, Service } from "./Manifest.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"
import { exposePattern } from "./schema/networkFields.ts"
import type { ServiceNetwork } from "./schema/ServiceNetworks.ts"

export type NetworkingFields = Pick<
  ContainerSpec,
  | "expose"
  | "links"
  | "dns"
  | "dnsSearch"
  | "dnsOptions"
  | "macAddress"
  | "domainname"
  | "stdinOpen"
  | "tty"
  | "logging"
  | "annotations"
>

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const list = (v: string | ReadonlyArray<string> | undefined) =>
  v === undefined ? undefined : typeof v === "string" ? [v] : [...v]
const stringMap = (entries: ReadonlyArray<readonly [string, unknown]>) =>
  Object.fromEntries(entries.map(([k, v]) => [k, v === null || v === undefined ? "" : String(v)]))

/** `3000`, `8000-8002/udp` → `3000/tcp`, `8000/udp`, `8001/udp`, `8002/udp` (as Compose expands them). */
export const expandExpose = (entries: ReadonlyArray<string | number>): ReadonlyArray<string> => {
  const ports = new Map<string, number>()
  for (const entry of entries) {
    const m = exposePattern.exec(String(entry))
    if (m === null) continue // reported by the Schema
    const [start, end, proto] = [Number(m[1]), Number(m[2] ?? m[1]), m[3] ?? "tcp"]
    for (let port = start; port <= end; port++) ports.set(`${port}/${proto}`, port)
  }
  return [...ports].sort(([a, pa], [b, pb]) => pa - pb || (a < b ? -1 : 1)).map(([key]) => key)
}

/**
 * The service's network attachments: its own name plus `aliases` as aliases, static
 * addresses, and Compose's connection order (priority, highest first; then name).
 */
export const serviceAttachments = (
  name: string,
  service: Service,
  networks: ReadonlyMap<string, string>,
): Array<NetworkAttachment> => {
  const requested: ReadonlyArray<Pick<ServiceNetwork, "network" | "endpoint">> = service.networks ?? [
    { network: "default" },
  ]
  const attachments = requested.map(({ network, endpoint: e }): NetworkAttachment => {
    const attachment: Mutable<NetworkAttachment> = {
      name: networks.get(network) ?? network,
      aliases: [...new Set([name, ...(e?.aliases ?? [])])].sort(),
    }
    if (e?.ipv4_address !== undefined) attachment.ipv4Address = e.ipv4_address
    if (e?.ipv6_address !== undefined) attachment.ipv6Address = e.ipv6_address
    if (e?.link_local_ips !== undefined) attachment.linkLocalIps = [...e.link_local_ips]
    if (e?.mac_address !== undefined) attachment.macAddress = e.mac_address.toLowerCase()
    if (e?.priority !== undefined) attachment.priority = e.priority
    return attachment
  })
  return attachments.sort(
    (a, b) => (b.priority ?? 0) - (a.priority ?? 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  )
}

export const normalizeNetworking = (
  name: string,
  service: Service,
  containerOf: (service: string) => string,
  primaryNetwork: NetworkAttachment | undefined,
): {
  readonly fields: NetworkingFields
  readonly dependsOn: ReadonlyArray<Dependency>
  readonly issues: ReadonlyArray<PathIssue>
} => {
  const at = ["services", name]
  const issues: Array<PathIssue> = []
  const fields: Mutable<NetworkingFields> = {}
  const dependsOn: Array<Dependency> = []
  if (service.expose !== undefined && service.expose.length > 0) fields.expose = expandExpose(service.expose)
  if (service.links !== undefined) {
    const links: Array<Link> = service.links.map((link) => {
      const [target, alias] = link.split(":") as [string, string | undefined]
      return { service: target, container: containerOf(target), alias: alias ?? target }
    })
    fields.links = links
    // compose-go: a link is also a dependency (started), unless depends_on names it.
    for (const link of links)
      if (!dependsOn.some((d) => d.service === link.service))
        dependsOn.push({ service: link.service, condition: "service_started", required: true })
  }
  for (const [i] of (service.external_links ?? []).entries())
    issues.push(
      pathIssue(
        [...at, "external_links", i],
        "external_links is not supported: it links to a container fleetd does not manage",
        {
          hint: "put that container on a network declared `external: true` here and reach it by its name or a network alias",
        },
      ),
    )
  const dns = list(service.dns)
  if (dns !== undefined) fields.dns = dns
  const dnsSearch = list(service.dns_search)
  if (dnsSearch !== undefined) fields.dnsSearch = dnsSearch
  if (service.dns_opt !== undefined) fields.dnsOptions = [...service.dns_opt]
  if (service.mac_address !== undefined) {
    const mac = service.mac_address.toLowerCase()
    // Compose: the service-level address is the primary network's; two different ones are an error.
    if (primaryNetwork?.macAddress !== undefined && primaryNetwork.macAddress !== mac)
      issues.push(
        pathIssue(
          [...at, "mac_address"],
          `mac_address differs from the one of network ${primaryNetwork.name}`,
          {
            hint: "give the address once, on the service or on its first network",
          },
        ),
      )
    fields.macAddress = mac
  }
  if (service.domainname !== undefined) fields.domainname = service.domainname
  if (service.stdin_open === true) fields.stdinOpen = true
  if (service.tty === true) fields.tty = true
  if (service.logging !== undefined)
    fields.logging = {
      ...(service.logging.driver === undefined ? {} : { driver: service.logging.driver }),
      options: stringMap(Object.entries(service.logging.options ?? {})),
    }
  if (service.annotations !== undefined)
    fields.annotations = stringMap((service.annotations ?? []).map((e) => [e.key, e.value]))
  return { fields, dependsOn, issues }
}

/** Links must name services of this fleet. */
export const checkLinks = (
  name: string,
  service: Service,
  services: Readonly<Record<string, unknown>>,
): ReadonlyArray<PathIssue> =>
  (service.links ?? []).flatMap((link, i) => {
    const target = link.split(":")[0]!
    return target in services
      ? []
      : [pathIssue(["services", name, "links", i], `links to unknown service "${target}"`)]
  })

/** Top-level network fields beyond driver/internal/labels → DesiredNetwork; each only when set. */
export const networkExtras = (
  n: Network | null | undefined,
): Pick<DesiredNetwork, "ipam" | "attachable" | "enableIpv6" | "driverOpts"> => {
  const ipam: NetworkIpam | undefined =
    n?.ipam === undefined
      ? undefined
      : {
          ...(n.ipam.driver === undefined ? {} : { driver: n.ipam.driver }),
          config: (n.ipam.config ?? []).map((c) => ({
            ...(c.subnet === undefined ? {} : { subnet: c.subnet }),
            ...(c.ip_range === undefined ? {} : { ipRange: c.ip_range }),
            ...(c.gateway === undefined ? {} : { gateway: c.gateway }),
            ...(c.aux_addresses === undefined ? {} : { auxAddresses: { ...c.aux_addresses } }),
          })),
          ...(n.ipam.options === undefined ? {} : { options: { ...n.ipam.options } }),
        }
  return {
    ...(ipam === undefined ? {} : { ipam }),
    ...(n?.attachable === undefined ? {} : { attachable: n.attachable }),
    ...(n?.enable_ipv6 === undefined ? {} : { enableIpv6: n.enable_ipv6 }),
    ...(n?.driver_opts === undefined ? {} : { driverOpts: stringMap(Object.entries(n.driver_opts)) }),
  }
}
