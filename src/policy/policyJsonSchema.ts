/**
 * The JSON Schema of the policy file, generated from the Policy Schema like
 * fleet.schema.json (a test fails when schemas/policy.schema.json is stale).
 */
import { Schema } from "effect"
import { Policy } from "./Policy.ts"

export const PolicySchemaId = "https://fleetd.dev/schemas/policy.schema.json"

export const policyJsonSchema = (): Record<string, unknown> => {
  const document = Schema.toJsonSchemaDocument(Policy, { onExcessProperty: "error" })
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: PolicySchemaId,
    ...document.schema,
    $defs: document.definitions,
  }
}

export const policyJsonSchemaText = (): string => `${JSON.stringify(policyJsonSchema(), null, 2)}\n`
