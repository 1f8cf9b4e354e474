// Writes schemas/fleet.schema.json, policy.schema.json and config.schema.json from their Schemas (`npm run schema`).
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { fleetJsonSchemaText } from "../src/manifest/fleetJsonSchema.ts"
import { ConfigFile } from "../src/config/ConfigFile.ts"
import { operatorJsonSchemaText } from "../src/manifest/operatorJsonSchema.ts"
import { Policy } from "../src/policy/Policy.ts"

for (const [name, text] of [
  ["fleet.schema.json", fleetJsonSchemaText()],
  ["policy.schema.json", operatorJsonSchemaText(Policy, "policy.schema.json")],
  ["config.schema.json", operatorJsonSchemaText(ConfigFile, "config.schema.json")],
] as const) {
  const target = fileURLToPath(new URL(`../schemas/${name}`, import.meta.url))
  writeFileSync(target, text)
  console.log(`wrote ${target}`)
}
