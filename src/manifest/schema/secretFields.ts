/**
 * Compose `secrets` and `configs`: the top-level definitions and the per-service
 * grants (short `- name` and long `source`/`target`/`uid`/`gid`/`mode`). Manifest.ts
 * spreads `serviceSecretFields` into Service and `topLevelSecretFields` into the
 * manifest; normalizeSecrets.ts gives them their meaning.
 */
import { Schema } from "effect"

const opt = Schema.optionalKey
const Extensions = Schema.Record(Schema.TemplateLiteral(["x-", Schema.String]), Schema.Unknown)

/** A uid or gid: Compose writes it as a string; a bare number is taken too. */
const Id = Schema.Union([Schema.String, Schema.Int])
  .check(
    Schema.makeFilter((id: string | number) =>
      /^\d+$/.test(String(id)) ? undefined : `"${id}" is not a numeric id (names are not looked up)`,
    ),
  )
  .annotate({ description: 'Numeric id, e.g. "1000" (default 0)' })

/**
 * `mode`: a number, or a string read as octal (`"0440"`). YAML's `0440` is octal as in
 * Compose's YAML reader (yamlDocument.ts), so `mode: 0440` means r--r-----.
 */
const Mode = Schema.Union([Schema.Int, Schema.String])
  .check(
    Schema.makeFilter((m: string | number) =>
      parseMode(m) === undefined ? `"${m}" is not a file mode (octal, e.g. 0440)` : undefined,
    ),
  )
  .annotate({ description: "Permission bits in octal, e.g. 0440 (default 0444)" })

export const parseMode = (mode: string | number): number | undefined => {
  const value = typeof mode === "number" ? mode : /^[0-7]{1,4}$/.test(mode) ? Number.parseInt(mode, 8) : -1
  return Number.isInteger(value) && value >= 0 && value <= 0o7777 ? value : undefined
}

export const parseId = (id: string | number | undefined): number => (id === undefined ? 0 : Number(id))

export const FileGrantLong = Schema.StructWithRest(
  Schema.Struct({
    source: Schema.String.annotate({ description: "Key under the top-level secrets: or configs:" }),
    target: opt(
      Schema.String.annotate({
        description: "Path in the container; relative to /run/secrets (secrets) or / (configs)",
      }),
    ),
    uid: opt(Id),
    gid: opt(Id),
    mode: opt(Mode),
  }),
  [Extensions],
).annotate({ identifier: "FileGrantLong" })

export const FileGrants = Schema.Array(Schema.Union([Schema.String, FileGrantLong])).annotate({
  identifier: "FileGrants",
  description: "Names of top-level secrets/configs, or the long syntax (source, target, uid, gid, mode)",
})

/** Swarm-only keys: accepted by the Schema so normalizeSecrets can say why they are refused. */
const swarmOnly = (what: string) =>
  opt(Schema.Unknown.annotate({ description: `Swarm only: refused (fleetd runs ${what} on one engine)` }))

const definitionFields = (what: string) => ({
  file: opt(Schema.String.annotate({ description: "Path relative to fleet.yaml, inside the repository" })),
  environment: opt(
    Schema.String.annotate({
      description: "Name of the variable (fleetd's environment or .env) holding the value",
    }),
  ),
  name: swarmOnly(what),
  external: swarmOnly(what),
  labels: swarmOnly(what),
  driver: swarmOnly(what),
  driver_opts: swarmOnly(what),
  template_driver: swarmOnly(what),
})

export const SecretDefinition = Schema.StructWithRest(Schema.Struct(definitionFields("secrets")), [
  Extensions,
]).annotate({
  identifier: "SecretDefinition",
  description: "file: or environment:; mounted at /run/secrets/<name>",
})

export const ConfigDefinition = Schema.StructWithRest(
  Schema.Struct({
    ...definitionFields("configs"),
    content: opt(Schema.String.annotate({ description: "Inline content (interpolated)" })),
  }),
  [Extensions],
).annotate({
  identifier: "ConfigDefinition",
  description: "file:, environment: or content:; mounted at /<name>",
})

export type SecretDefinition = typeof SecretDefinition.Type
export type ConfigDefinition = typeof ConfigDefinition.Type
export type FileGrants = typeof FileGrants.Type

/** Per service: spread into Manifest.ts's Service struct. */
export const serviceSecretFields = {
  secrets: opt(FileGrants),
  configs: opt(FileGrants),
}

/** Top level: spread into Manifest.ts's manifest struct. */
export const topLevelSecretFields = {
  secrets: opt(Schema.NullOr(Schema.Record(Schema.String, SecretDefinition))),
  configs: opt(Schema.NullOr(Schema.Record(Schema.String, ConfigDefinition))),
}
