import type { PortBinding } from "../../domain/ContainerSpec.ts"

/**
 * Compose port syntax, short and long, expanded to one binding per container port.
 * Short: `[HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTOCOL]`, IPv6 host
 * addresses in brackets. A host range must be as long as the container range:
 * Compose's "pick a free port from a host range" would make the spec depend on the
 * host, so fleetd refuses it.
 */
export type Protocol = PortBinding["protocol"]

export interface LongPort {
  readonly target: number | string
  readonly published?: number | string | undefined
  readonly host_ip?: string | undefined
  readonly protocol?: string | undefined
  readonly mode?: string | undefined
}

const protocols: ReadonlyArray<string> = ["tcp", "udp", "sctp"]

const parseRange = (text: string, what: string): readonly [number, number] | string => {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text)
  if (match === null) return `${what} "${text}" is not a port number or range`
  const start = Number(match[1])
  const end = match[2] === undefined ? start : Number(match[2])
  for (const p of [start, end]) if (p < 1 || p > 65535) return `${what} ${p} is out of range 1-65535`
  if (end < start) return `${what} range ${text} ends before it starts`
  return [start, end]
}

const expand = (
  target: readonly [number, number],
  published: readonly [number, number] | undefined,
  protocol: string,
  hostIp: string | undefined,
): ReadonlyArray<PortBinding> | string => {
  if (!protocols.includes(protocol)) return `protocol "${protocol}" is not one of tcp, udp, sctp`
  const count = target[1] - target[0] + 1
  if (published !== undefined && published[1] - published[0] + 1 !== count)
    return "the host port range and the container port range must have the same length"
  const out: Array<PortBinding> = []
  for (let i = 0; i < count; i++) {
    out.push({
      target: target[0] + i,
      protocol: protocol as Protocol,
      ...(published === undefined ? {} : { published: published[0] + i }),
      ...(hostIp === undefined || hostIp === "" ? {} : { hostIp }),
    })
  }
  return out
}

export const parseShortPort = (spec: string | number): ReadonlyArray<PortBinding> | string => {
  if (typeof spec === "number") {
    if (!Number.isInteger(spec) || spec < 1 || spec > 65535) return `port ${spec} is out of range 1-65535`
    return [{ target: spec, protocol: "tcp" }]
  }
  let rest = spec.trim()
  let protocol = "tcp"
  const slash = rest.lastIndexOf("/")
  if (slash >= 0) {
    protocol = rest.slice(slash + 1)
    rest = rest.slice(0, slash)
  }
  let hostIp: string | undefined
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]:")
    if (close < 0) return `"${spec}" has an unterminated IPv6 address`
    hostIp = rest.slice(1, close)
    rest = rest.slice(close + 2)
  }
  const parts = rest.split(":")
  if (hostIp === undefined && parts.length === 3) hostIp = parts.shift()
  if (parts.length > 2 || (hostIp !== undefined && parts.length !== 2))
    return `"${spec}" is not [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`
  const targetText = parts.length === 2 ? parts[1]! : parts[0]!
  const target = parseRange(targetText, "container port")
  if (typeof target === "string") return target
  const publishedText = parts.length === 2 ? parts[0]! : ""
  // "127.0.0.1::80" publishes an ephemeral host port on that address.
  const published = publishedText === "" ? undefined : parseRange(publishedText, "host port")
  if (typeof published === "string") return published
  return expand(target, published, protocol, hostIp)
}

export const parseLongPort = (port: LongPort): ReadonlyArray<PortBinding> | string => {
  const target = parseRange(String(port.target), "target")
  if (typeof target === "string") return target
  if (target[0] !== target[1]) return "target must be a single port in the long syntax"
  const published = port.published === undefined ? undefined : parseRange(String(port.published), "published")
  if (typeof published === "string") return published
  const bindings = expand(target, published, port.protocol ?? "tcp", port.host_ip)
  // `mode: host` only matters to Swarm (publish on the task's node, not the ingress mesh);
  // kept only when written so that other specs hash as before.
  return port.mode === "host" && typeof bindings !== "string"
    ? bindings.map((b) => ({ ...b, mode: "host" as const }))
    : bindings
}

/** The short syntax of what one entry parsed to (the inverse of parseShortPort). */
export const formatShortPort = (bindings: ReadonlyArray<PortBinding>): string => {
  const first = bindings[0]!
  const last = bindings[bindings.length - 1]!
  const range = (a: number, b: number | undefined) => (b === undefined || a === b ? `${a}` : `${a}-${b}`)
  const ip =
    first.hostIp === undefined ? "" : first.hostIp.includes(":") ? `[${first.hostIp}]:` : `${first.hostIp}:`
  const published =
    first.published === undefined ? (ip === "" ? "" : ":") : `${range(first.published, last.published)}:`
  return `${ip}${published}${range(first.target, last.target)}/${first.protocol}`
}
