/**
 * The JSON Schema of fleet.yaml, generated from the Manifest Schema so editors and
 * fleetd can never disagree about field names. `onExcessProperty: "error"` makes
 * editors flag unknown fields as fleetd does (while still allowing `x-*`).
 */
import { Schema } from "effect"
import { Manifest } from "./Manifest.ts"

export const FleetSchemaId = "https://fleetd.dev/schemas/fleet.schema.json"

export const fleetJsonSchema = (): Record<string, unknown> => {
  const document = Schema.toJsonSchemaDocument(Manifest, { onExcessProperty: "error" })
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: FleetSchemaId,
    ...document.schema,
    $defs: document.definitions,
  }
}

/** The checked-in file's exact text (a test compares it with schemas/fleet.schema.json). */
export const fleetJsonSchemaText = (): string => `${JSON.stringify(fleetJsonSchema(), null, 2)}\n`
