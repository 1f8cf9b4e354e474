import { defineConfig } from "rolldown"

/**
 * The CLI bundle (`npm run build` → dist/fleetd.js and its chunks in dist/chunks/). Node
 * strips types and resolves hundreds of modules when it runs the sources; the bundle
 * starts in a fraction of the time, which is most of a one-shot command. Effect, its
 * platform package and yaml are bundled (tree-shaken); the other dependencies stay in
 * node_modules. The bundle is split at every dynamic import (main.ts, runCli.ts), so a
 * command loads only its own code and dependencies: `--version` and `validate` never
 * evaluate the daemon, the HTTP server or the engine client (bench/startup.ts).
 */
const bundled = /^(effect|@effect\/platform-node|@effect\/platform-node-shared|yaml)(\/|$)/

export default defineConfig({
  input: "src/main.ts",
  platform: "node",
  external: (id) => !id.startsWith(".") && !id.startsWith("/") && !id.startsWith("node:") && !bundled.test(id),
  output: {
    dir: "dist",
    format: "esm",
    entryFileNames: "fleetd.js",
    chunkFileNames: "chunks/[name]-[hash].js",
    // Chunks of an older build would otherwise pile up next to the new ones.
    cleanDir: true,
  },
})
