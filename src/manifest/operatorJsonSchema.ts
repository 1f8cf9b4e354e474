/**
 * The JSON Schema of an operator file (the policy, the daemon's config file), generated
 * from its Schema for editors; checked-in under schemas/ (a test fails when stale).
 */
import { Schema } from "effect"

export const operatorJsonSchemaText = (schema: Schema.Top, name: string): string => {
  const document = Schema.toJsonSchemaDocument(schema, { onExcessProperty: "error" })
  const json = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `https://fleetd.dev/schemas/${name}`,
    ...document.schema,
    $defs: document.definitions,
  }
  return `${JSON.stringify(json, null, 2)}\n`
}
