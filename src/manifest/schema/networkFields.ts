/**
 * The Compose fields of networking and container I/O (expose, links, dns, logging,
 * tty, per-network addresses; top-level network ipam, attachable, ...), as Schema
 * pieces that Manifest.ts spreads into its Service, Network and Volume structs.
 * normalizeNetworking.ts turns the decoded values into ContainerSpec fields. This
 * file imports nothing from Manifest.ts, so the two never form an import cycle.
 */
import { isIPv4, isIPv6 } from "node:net"
import { Schema } from "effect"
import { keyValues } from "./KeyValues.ts"

const opt = Schema.optionalKey
const Strings = Schema.Array(Schema.String)
const StringOrStrings = Schema.Union([Schema.String, Strings])
/** A string the check accepts; the check's message becomes the issue. */
const checked = (description: string, check: (s: string) => string | undefined) =>
  Schema.String.annotate({ description }).check(Schema.makeFilter((s: string) => check(s)))

export const isIpAddress = (s: string): boolean => isIPv4(s) || isIPv6(s)

const ipAddress = (what: string, valid: (s: string) => boolean = isIpAddress) =>
  checked(`${what} address`, (s) => (valid(s) ? undefined : `"${s}" is not an ${what} address`))

/** Compose accepts `aa:bb:cc:dd:ee:ff` (the engine parses it with Go's net.ParseMAC). */
export const MacAddress = checked("MAC address, e.g. 02:42:ac:11:00:02", (s) =>
  /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(s) ? undefined : `"${s}" is not a MAC address`,
).annotate({ identifier: "MacAddress", expected: "a MAC address" })

/** `expose`: `PORT[/PROTO]` or `START-END[/PROTO]`, or a bare number. */
export const exposePattern = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/
export const Expose = Schema.Union([Schema.String, Schema.Int])
  .check(
    Schema.makeFilter((p: string | number) => {
      const m = exposePattern.exec(String(p))
      const [start, end] = [Number(m?.[1]), Number(m?.[2] ?? m?.[1])]
      return m !== null && start >= 1 && end <= 65535 && start <= end
        ? undefined
        : `"${p}" is not a port to expose (PORT[/PROTO] or START-END[/PROTO], 1-65535)`
    }),
  )
  .annotate({ identifier: "Expose", description: "Container port or range, e.g. 3000, 8000-8010/udp" })

const linkName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/
/** `links`: `SERVICE[:ALIAS]`, a service of this fleet. */
export const Link = checked("SERVICE[:ALIAS]", (s) => {
  const [service, alias, ...rest] = s.split(":")
  return linkName.test(service ?? "") && (alias === undefined || linkName.test(alias)) && rest.length === 0
    ? undefined
    : `"${s}" is not a link (SERVICE or SERVICE:ALIAS)`
}).annotate({ identifier: "Link", expected: "SERVICE[:ALIAS]" })

export const Logging = Schema.Struct({
  driver: opt(Schema.String.annotate({ description: "Log driver, e.g. json-file, local, journald, none" })),
  options: opt(
    Schema.Record(Schema.String, Schema.NullOr(Schema.Union([Schema.String, Schema.Finite]))).annotate({
      description: "Driver options, e.g. max-size: 10m, max-file: 3",
    }),
  ),
}).annotate({ identifier: "Logging", description: "driver and options → HostConfig.LogConfig" })

const ScalarValue = Schema.NullOr(Schema.Union([Schema.String, Schema.Finite, Schema.Boolean]))

/** Service fields, spread into Manifest.ts's Service struct. */
export const serviceNetworkFields = {
  expose: opt(Schema.Array(Expose)),
  links: opt(Schema.Array(Link)),
  external_links: opt(
    Strings.annotate({ description: "Refused: fleetd links only to services of its own fleet" }),
  ),
  dns: opt(Schema.Union([ipAddress("IP"), Schema.Array(ipAddress("IP"))])),
  dns_search: opt(StringOrStrings),
  dns_opt: opt(Strings),
  mac_address: opt(MacAddress),
  domainname: opt(Schema.String),
  stdin_open: opt(Schema.Boolean),
  tty: opt(Schema.Boolean),
  logging: opt(Logging),
  annotations: opt(
    keyValues(
      Schema.Union([Schema.Record(Schema.String, ScalarValue), Strings]).annotate({
        description: "Mapping or KEY=VALUE list; HostConfig.Annotations (Engine API 1.43+)",
      }),
    ),
  ),
}

/** One entry of a service's `networks` mapping. */
export const ServiceNetworkEndpoint = Schema.Struct({
  aliases: opt(Strings),
  ipv4_address: opt(ipAddress("IPv4", isIPv4)),
  ipv6_address: opt(ipAddress("IPv6", isIPv6)),
  link_local_ips: opt(Schema.Array(ipAddress("IP"))),
  mac_address: opt(MacAddress),
  priority: opt(
    Schema.Int.annotate({ description: "Connection order: the highest priority is joined first" }),
  ),
}).annotate({ identifier: "ServiceNetworkEndpoint" })

const Options = Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Finite]))

export const IpamPool = Schema.Struct({
  subnet: opt(Schema.String.annotate({ description: "CIDR, e.g. 172.28.0.0/16" })),
  ip_range: opt(Schema.String),
  gateway: opt(ipAddress("IP")),
  aux_addresses: opt(Schema.Record(Schema.String, ipAddress("IP"))),
}).annotate({ identifier: "IpamPool" })

export const Ipam = Schema.Struct({
  driver: opt(Schema.String),
  config: opt(Schema.Array(IpamPool)),
  options: opt(Schema.Record(Schema.String, Schema.String)),
}).annotate({ identifier: "Ipam", description: "IP address management: driver, config pools, options" })

/** `external: true`, or the obsolete `external: { name: x }` (same as `name: x`). */
export const External = Schema.Union([Schema.Boolean, Schema.Struct({ name: opt(Schema.String) })]).annotate({
  identifier: "External",
  description: "The resource exists already; fleetd never creates or removes it",
})

/** Top-level network fields beyond driver/internal/labels/name, spread into Manifest.ts's Network. */
export const networkFields = {
  ipam: opt(Ipam),
  attachable: opt(Schema.Boolean),
  enable_ipv6: opt(Schema.Boolean),
  driver_opts: opt(Options),
  external: opt(External),
}

/** The resource's engine name given by `external: { name }` (obsolete form of `name`). */
export const externalName = (external: typeof External.Type | undefined): string | undefined =>
  typeof external === "object" ? external.name : undefined

export const isExternal = (external: typeof External.Type | undefined): boolean =>
  external === true || typeof external === "object"

/** Top-level volume fields beyond driver/driver_opts/labels/name. */
export const volumeFields = {
  external: opt(External),
}
