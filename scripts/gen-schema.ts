// Writes schemas/fleet.schema.json and schemas/policy.schema.json from their Schemas (`npm run schema`).
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { fleetJsonSchemaText } from "../src/manifest/fleetJsonSchema.ts"
import { policyJsonSchemaText } from "../src/policy/policyJsonSchema.ts"

for (const [name, text] of [
  ["fleet.schema.json", fleetJsonSchemaText()],
  ["policy.schema.json", policyJsonSchemaText()],
] as const) {
  const target = fileURLToPath(new URL(`../schemas/${name}`, import.meta.url))
  writeFileSync(target, text)
  console.log(`wrote ${target}`)
}
