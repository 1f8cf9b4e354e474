/**
 * `include` (top level) and `extends` (per service), for the JSON Schema editors read.
 * Both are resolved before the Schema decodes the composed manifest (composeProject.ts,
 * applyExtends.ts report malformed ones in their own file), so decoding never meets them.
 */
import { Schema } from "effect"

const opt = Schema.optionalKey
const Paths = Schema.Union([Schema.String, Schema.Array(Schema.String)])

const IncludeEntry = Schema.Union([
  Schema.String,
  Schema.Struct({
    path: Paths.annotate({ description: "Compose file(s); later ones merge over the first" }),
    project_directory: opt(Schema.String.annotate({ description: "Where its relative paths start" })),
    env_file: opt(Paths.annotate({ description: "Variables for its interpolation (default: its .env)" })),
  }),
])

export const includeFields = {
  include: opt(
    Schema.Array(IncludeEntry).annotate({
      identifier: "Include",
      description: "Compose files whose resources join this fleet, each resolved from its own directory",
    }),
  ),
}

export const extendsFields = {
  extends: opt(
    Schema.Union([
      Schema.String,
      Schema.Struct({ service: Schema.String, file: opt(Schema.String) }),
    ]).annotate({
      identifier: "Extends",
      description: "A base service: its name in this file, or {service, file}",
    }),
  ),
}
