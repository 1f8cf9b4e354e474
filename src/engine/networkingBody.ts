import type { ReconnectEndpoint } from "../domain/Action.ts"
import type { ContainerSpec, NetworkAttachment } from "../domain/ContainerSpec.ts"
import { compareApiVersions, MaxApiVersion } from "./negotiateApiVersion.ts"

/** Which engine a body is for: a few fields exist only from some API version or only on Docker. */
export interface EngineTarget {
  readonly kind: "docker" | "podman"
  readonly apiVersion: string
}

/** The newest API fleetd drives: a body built without an engine asks for everything. */
export const defaultTarget: EngineTarget = { kind: "docker", apiVersion: MaxApiVersion }

export interface EndpointConfig {
  readonly Aliases: Array<string>
  readonly Links?: Array<string>
  readonly IPAMConfig?: {
    readonly IPv4Address?: string
    readonly IPv6Address?: string
    readonly LinkLocalIPs?: Array<string>
  }
  readonly MacAddress?: string
}

export interface NetworkingBody {
  readonly config: {
    readonly Domainname?: string
    readonly Tty?: boolean
    readonly OpenStdin?: boolean
    readonly MacAddress?: string
  }
  readonly hostConfig: {
    readonly Dns?: Array<string>
    readonly DnsSearch?: Array<string>
    readonly DnsOptions?: Array<string>
    readonly LogConfig?: { readonly Type: string; readonly Config: Record<string, string> }
    readonly Annotations?: Record<string, string>
    readonly Links?: Array<string>
  }
  /** In connection order; the first is created with the container, the rest connected after. */
  readonly endpoints: ReadonlyArray<{ readonly name: string; readonly endpoint: EndpointConfig }>
  /** Something the manifest asks for that this engine does not do: logged, never silent. */
  readonly warnings: ReadonlyArray<string>
  /** Something this engine cannot do and must not be skipped: the create fails with it. */
  readonly errors: ReadonlyArray<string>
}

/** One endpoint: aliases, links, static addresses and (where the engine takes it there) a MAC address. */
export const endpointConfig = (
  n: NetworkAttachment,
  links: ReadonlyArray<string>,
  mac: string | undefined,
): EndpointConfig => {
  const ipam = {
    ...(n.ipv4Address === undefined ? {} : { IPv4Address: n.ipv4Address }),
    ...(n.ipv6Address === undefined ? {} : { IPv6Address: n.ipv6Address }),
    ...(n.linkLocalIps === undefined ? {} : { LinkLocalIPs: [...n.linkLocalIps] }),
  }
  return {
    Aliases: [...n.aliases],
    ...(links.length === 0 ? {} : { Links: [...links] }),
    ...(Object.keys(ipam).length === 0 ? {} : { IPAMConfig: ipam }),
    ...(mac === undefined ? {} : { MacAddress: mac }),
  }
}

/**
 * The endpoint a container gets back when its network is recreated. The service-level
 * MAC address cannot be given again on Docker before 1.44 (it was container-wide).
 */
export const reconnectEndpoint = (
  aliases: ReadonlyArray<string>,
  endpoint: ReconnectEndpoint | undefined,
  engine: EngineTarget,
): EndpointConfig => {
  if (endpoint === undefined) return { Aliases: [...aliases] }
  const links = engine.kind === "docker" ? (endpoint.links ?? []).map((l) => `${l.container}:${l.alias}`) : []
  const endpointMac = engine.kind === "podman" || atLeast(engine, "1.44")
  const mac = endpointMac ? endpoint.attachment.macAddress : undefined
  return endpointConfig({ ...endpoint.attachment, aliases }, links, mac)
}

const atLeast = (engine: EngineTarget, version: string) => compareApiVersions(engine.apiVersion, version) >= 0

/**
 * The networking and I/O part of a create body, as docker compose v2 sends it
 * (pkg/compose/create.go). Engine differences: Podman 4.3 refuses links outright
 * ("link is not supported"); Docker before API 1.44 takes a MAC address only
 * container-wide (Config.MacAddress) and before 1.43 has no annotations.
 */
export const networkingBody = (spec: ContainerSpec, engine: EngineTarget): NetworkingBody => {
  const warnings: Array<string> = []
  const errors: Array<string> = []
  const links: Array<string> = []
  for (const link of spec.links ?? []) {
    if (engine.kind === "docker") links.push(`${link.container}:${link.alias}`)
    else if (link.alias === link.service)
      warnings.push(
        `links: ${link.service}: Podman has no links; not needed, ${link.service} answers to its service name on shared networks`,
      )
    else
      errors.push(
        `links: ${link.service}:${link.alias}: Podman has no links, so the alias ${link.alias} cannot be given; add it to ${link.service}'s networks.<network>.aliases instead`,
      )
  }
  const endpointMac = engine.kind === "podman" || atLeast(engine, "1.44")
  const attachments: ReadonlyArray<NetworkAttachment> = spec.networkMode === undefined ? spec.networks : []
  // Compose: the service-level address is the primary network's.
  const primaryMac = spec.macAddress ?? attachments[0]?.macAddress
  const endpoints = attachments.map((n, i) => {
    const mac = i === 0 ? primaryMac : n.macAddress
    if (mac !== undefined && i > 0 && !endpointMac)
      errors.push(
        `networks.${n.name}.mac_address needs Engine API 1.44 (Docker 25+); this engine speaks ${engine.apiVersion}, which sets a MAC address only on the first network`,
      )
    return { name: n.name, endpoint: endpointConfig(n, links, endpointMac ? mac : undefined) }
  })
  if (spec.annotations !== undefined && !atLeast(engine, "1.43"))
    warnings.push(
      `annotations need Engine API 1.43 (Docker 24+); this ${engine.kind} speaks ${engine.apiVersion}, so they are not applied`,
    )
  return {
    config: {
      ...(spec.domainname === undefined ? {} : { Domainname: spec.domainname }),
      ...(spec.tty === true ? { Tty: true } : {}),
      ...(spec.stdinOpen === true ? { OpenStdin: true } : {}),
      ...(primaryMac === undefined || endpointMac ? {} : { MacAddress: primaryMac }),
    },
    hostConfig: {
      ...(spec.dns === undefined ? {} : { Dns: [...spec.dns] }),
      ...(spec.dnsSearch === undefined ? {} : { DnsSearch: [...spec.dnsSearch] }),
      ...(spec.dnsOptions === undefined ? {} : { DnsOptions: [...spec.dnsOptions] }),
      ...(spec.logging === undefined
        ? {}
        : { LogConfig: { Type: spec.logging.driver ?? "", Config: { ...spec.logging.options } } }),
      ...(spec.annotations === undefined || !atLeast(engine, "1.43")
        ? {}
        : { Annotations: { ...spec.annotations } }),
      ...(links.length === 0 ? {} : { Links: links }),
    },
    endpoints,
    warnings,
    errors,
  }
}
