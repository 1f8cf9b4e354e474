/**
 * A service's `networks`: a list of names, or a mapping of name → endpoint settings
 * (or null), decodes to one entry per network in the order written, so checks, the
 * default network's use and normalization never branch on the form again. `at` is
 * where the entry was written under `networks` (a list index, or the mapping's key).
 */
import { Schema } from "effect"
import { ServiceNetworkEndpoint } from "./networkFields.ts"
import { parsedForm } from "./parsedForm.ts"

export const ServiceNetwork = Schema.Struct({
  network: Schema.String,
  /** Aliases, addresses, priority: unset when the entry gives none. */
  endpoint: Schema.optionalKey(ServiceNetworkEndpoint),
  at: Schema.Union([Schema.Int, Schema.String]),
})

export type ServiceNetwork = typeof ServiceNetwork.Type

export const ServiceNetworks = parsedForm(
  Schema.Union([
    Schema.Array(Schema.String),
    Schema.Record(Schema.String, Schema.NullOr(ServiceNetworkEndpoint)),
  ]).annotate({ identifier: "ServiceNetworks" }),
  Schema.Array(ServiceNetwork),
  (written): ReadonlyArray<ServiceNetwork> =>
    Array.isArray(written)
      ? (written as ReadonlyArray<string>).map((network, at) => ({ network, at }))
      : Object.entries(written as Record<string, NonNullable<ServiceNetwork["endpoint"]> | null>).map(
          ([network, endpoint]) => ({ network, at: network, ...(endpoint === null ? {} : { endpoint }) }),
        ),
  (networks) => Object.fromEntries(networks.map((n) => [n.network, n.endpoint ?? null])),
)
