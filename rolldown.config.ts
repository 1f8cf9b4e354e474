import { defineConfig } from "rolldown"

/**
 * The CLI as one ES module (`npm run build` → dist/fleetd.js). Node strips types and
 * resolves hundreds of modules when it runs the sources; the bundle starts in about a
 * third of the time, which is most of a no-op `fleetd apply`. Effect, its platform
 * package and yaml are bundled (tree-shaken); the other dependencies stay in
 * node_modules, where dockerode's optional native parts can be found.
 */
const bundled = /^(effect|@effect\/platform-node|@effect\/platform-node-shared|yaml)(\/|$)/

export default defineConfig({
  input: "src/main.ts",
  platform: "node",
  external: (id) => !id.startsWith(".") && !id.startsWith("/") && !id.startsWith("node:") && !bundled.test(id),
  output: { file: "dist/fleetd.js", format: "esm", codeSplitting: false },
})
