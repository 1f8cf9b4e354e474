/**
 * `ports`: each entry, short (`"[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]"`, a
 * number) or long (`target`, `published`, ...), decodes to the bindings it means (a
 * range gives several), one list per written entry so an issue found later still
 * points at the entry (`ports[2]`). compose/portSpec.ts is the one parser.
 */
import { Schema } from "effect"
import type { PortBinding as Binding } from "../../domain/ContainerSpec.ts"
import { formatShortPort, parseLongPort, parseShortPort } from "../compose/portSpec.ts"
import { parsedForm } from "./parsedForm.ts"

const opt = Schema.optionalKey

/** The canonical form: ContainerSpec's PortBinding. */
export const PortBinding = Schema.Struct({
  target: Schema.Int,
  protocol: Schema.Literals(["tcp", "udp", "sctp"]),
  published: opt(Schema.Int),
  hostIp: opt(Schema.String),
  mode: opt(Schema.Literal("host")),
})

const Bindings = Schema.Array(PortBinding)

/** Compose's long syntax for one binding (a decoded entry writes back as a list of these). */
const written = (bindings: ReadonlyArray<Binding>) =>
  bindings.map((b) => ({
    target: b.target,
    protocol: b.protocol,
    ...(b.published === undefined ? {} : { published: b.published }),
    ...(b.hostIp === undefined ? {} : { host_ip: b.hostIp }),
    ...(b.mode === undefined ? {} : { mode: b.mode }),
  }))

export const ShortPort = parsedForm(
  Schema.Union([Schema.String, Schema.Int]),
  Bindings,
  parseShortPort,
  formatShortPort,
)

export const LongPort = parsedForm(
  Schema.Struct({
    target: Schema.Int.annotate({ description: "Container port" }),
    published: opt(Schema.Union([Schema.String, Schema.Int]).annotate({ description: "Host port or range" })),
    host_ip: opt(Schema.String.annotate({ description: "Host address to bind, e.g. 127.0.0.1" })),
    protocol: opt(Schema.Literals(["tcp", "udp", "sctp"])),
    mode: opt(Schema.Literals(["host", "ingress"])),
  }).annotate({ identifier: "LongPort" }),
  Bindings,
  parseLongPort,
  (bindings) => written(bindings)[0]!,
)

export const Port = Schema.Union([ShortPort, LongPort]).annotate({
  identifier: "Port",
  description: '"[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]", a port number, or the long syntax',
})
