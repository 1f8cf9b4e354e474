// Writes schemas/fleet.schema.json from the Manifest Schema (`npm run schema`).
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { fleetJsonSchemaText } from "../src/domain/fleetJsonSchema.ts"

const target = fileURLToPath(new URL("../schemas/fleet.schema.json", import.meta.url))
writeFileSync(target, fleetJsonSchemaText())
console.log(`wrote ${target}`)
