/**
 * `depends_on`: a list of service names, or a mapping of name → {condition, required},
 * decodes to one entry per dependency in the order written, with the defaults filled
 * in, so checks, profiles and normalization never branch on the form again. `at` is
 * where the entry was written under `depends_on` (a list index, or the mapping's key)
 * so an issue about it points there.
 */
import { Schema } from "effect"
import { parsedForm } from "./parsedForm.ts"

const opt = Schema.optionalKey

const Condition = Schema.Literals(["service_started", "service_healthy", "service_completed_successfully"])

export const Dependency = Schema.Struct({
  service: Schema.String,
  condition: Condition,
  required: Schema.Boolean,
  at: Schema.Union([Schema.Int, Schema.String]),
})

export type Dependency = typeof Dependency.Type

const Written = Schema.Union([
  Schema.Array(Schema.String),
  Schema.Record(Schema.String, Schema.Struct({ condition: opt(Condition), required: opt(Schema.Boolean) })),
]).annotate({ identifier: "DependsOn" })

export const DependsOn = parsedForm(
  Written,
  Schema.Array(Dependency),
  (written): ReadonlyArray<Dependency> =>
    Array.isArray(written)
      ? (written as ReadonlyArray<string>).map((service, at) => ({
          service,
          condition: "service_started",
          required: true,
          at,
        }))
      : Object.entries(
          written as Record<string, { condition?: Dependency["condition"]; required?: boolean }>,
        ).map(([service, d]) => ({
          service,
          condition: d.condition ?? "service_started",
          required: d.required ?? true,
          at: service,
        })),
  (dependencies) =>
    Object.fromEntries(
      dependencies.map((d) => [d.service, { condition: d.condition, required: d.required }]),
    ),
)
