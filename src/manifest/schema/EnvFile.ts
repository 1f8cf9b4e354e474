/**
 * A service's `env_file`: a path, a list of paths, or entries with `path`, `required`
 * and `format`, decodes to one entry per file with the defaults filled in, so the file
 * references and normalization read one form. `at` is where the path is written,
 * below `env_file` ([] for a lone string, [i] in a list, [i, "path"] in an entry).
 */
import { Schema } from "effect"
import { parsedForm } from "./parsedForm.ts"

const opt = Schema.optionalKey

export const EnvFileEntry = Schema.Struct({
  path: Schema.String,
  required: Schema.Boolean,
  /** `format: raw`: lines taken literally, as docker run --env-file reads them. */
  raw: opt(Schema.Literal(true)),
  at: Schema.Array(Schema.Union([Schema.Int, Schema.String])),
})

export type EnvFileEntry = typeof EnvFileEntry.Type

export const EnvFile = parsedForm(
  Schema.Union([
    Schema.String,
    Schema.Array(
      Schema.Union([
        Schema.String,
        Schema.Struct({
          path: Schema.String,
          required: opt(Schema.Boolean),
          format: opt(
            Schema.Literals([".env", "raw"]).annotate({
              description: "raw: lines taken literally, as docker run --env-file reads them",
            }),
          ),
        }),
      ]),
    ),
  ]).annotate({ identifier: "EnvFile", description: "Path(s) relative to fleet.yaml" }),
  Schema.Array(EnvFileEntry),
  (written): ReadonlyArray<EnvFileEntry> =>
    typeof written === "string"
      ? [{ path: written, required: true, at: [] }]
      : written.map((e, i) =>
          typeof e === "string"
            ? { path: e, required: true, at: [i] }
            : {
                path: e.path,
                required: e.required ?? true,
                ...(e.format === "raw" ? { raw: true as const } : {}),
                at: [i, "path"],
              },
        ),
  (entries) =>
    entries.map((e) => ({
      path: e.path,
      required: e.required,
      ...(e.raw ? { format: "raw" as const } : {}),
    })),
)
