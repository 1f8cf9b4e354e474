import { createRequire, isBuiltin } from "node:module"
import { defineConfig } from "rolldown"

/**
 * The CLI bundle (`npm run build` → dist/fleetd.js and its chunks in dist/chunks/). Node
 * strips types and resolves hundreds of modules when it runs the sources; the bundle
 * starts in a fraction of the time, which is most of a one-shot command. Effect, its
 * platform package and yaml are bundled (tree-shaken); the other dependencies stay in
 * node_modules. The bundle is split at every dynamic import (main.ts, runCli.ts), so a
 * command loads only its own code and dependencies: `--version` and `validate` never
 * evaluate the daemon, the HTTP server or the engine client (bench/startup.ts).
 * prom-client (with tdigest and bintrees) is bundled too, so that its unused requires
 * can be stand-ins (lazyRequires below).
 * @oxc-project/runtime holds the helpers rolldown may emit (a tagged template such as
 * src/ui's `html` becomes one); it is a build-time package, which the image prunes, so
 * it must be bundled, never imported.
 */
const bundled =
  /^(effect|@effect\/platform-node|@effect\/platform-node-shared|yaml|dockerode|docker-modem|debug|ms|split-ca|readable-stream|inherits|string_decoder|util-deprecate|safe-buffer|tar-fs|tar-stream|chownr|mkdirp-classic|pump|bl|end-of-stream|fs-constants|once|wrappy|@balena\/dockerignore|@oxc-project\/runtime|prom-client|tdigest|bintrees)(\/|$)/

/**
 * What dockerode and docker-modem require for transports fleetd never uses: SSH
 * (ssh2, for `ssh://` engines, which fleetd does not accept: src/engine/discoverSocket.ts)
 * and BuildKit sessions (gRPC and protobuf, for `version: "2"` builds, which fleetd never
 * asks for). They are required at the top of modules fleetd does use, so on a Unix socket
 * they cost a third of a no-op apply's start-up (bench/RESULTS.md). In the bundle they
 * are a stand-in that throws if it is ever called.
 */
const unusedTransport = /^(ssh2|@grpc\/grpc-js|@grpc\/proto-loader|protobufjs)(\/|$)/
const standIn = "\0fleetd-unused-transport:"
const unusedTransports = {
  name: "fleetd-unused-transports",
  resolveId: (id: string) => (unusedTransport.test(id) ? `${standIn}${id}` : null),
  load: (id: string) =>
    id.startsWith(standIn)
      ? `const unused = () => { throw new Error(${JSON.stringify(`fleetd does not bundle ${id.slice(standIn.length)}: only Unix-socket and tcp:// engines are supported`)}) }
module.exports = new Proxy(unused, { get: (_, key) => (key === "__esModule" ? false : unused) })`
      : null,
}

/**
 * What dockerode and docker-modem require at their top for paths fleetd's commands
 * rarely take: TLS to the engine (`https`, and `tls` under it; fleetd's engines are a
 * Unix socket or plain tcp://), and gzip and tar for build contexts (`zlib`, `tar-fs`
 * with tar-stream and bl; fleetd builds its own context tar, src/engine/buildImage.ts).
 * Loading them cost every `fleetd plan` and `apply` a few milliseconds of start-up
 * (bench/startup.ts). prom-client requires `https` and `zlib` at its top for its
 * Pushgateway client and OpenTelemetry's API for exemplars, neither of which fleetd uses:
 * an idle daemon kept `https` and `tls` loaded for them (bench/RESULTS.md, "Idle daemon,
 * third round"). In these packages such a require gives a stand-in that loads the real
 * module on the first property read, so a build or an https engine still gets exactly
 * the module it asked for.
 */
const lazyRequired = new Set(["https", "zlib", "tar-fs", "@opentelemetry/api"])
const lazyImporter = /[\\/]node_modules[\\/](dockerode|docker-modem|prom-client)[\\/]/
const lazyStandIn = "\0fleetd-lazy-require:"
const lazyRequires = {
  name: "fleetd-lazy-requires",
  resolveId: (id: string, importer: string | undefined) =>
    lazyRequired.has(id) && importer !== undefined && lazyImporter.test(importer) ? `${lazyStandIn}${id}` : null,
  load: (id: string) =>
    id.startsWith(lazyStandIn)
      ? `let real
const load = () => (real ??= require(${JSON.stringify(id.slice(lazyStandIn.length))}))
module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() })`
      : null,
}

/**
 * docker-modem formats every request's options with `util.inspect(..., { showHidden:
 * true, depth: null })` for a debug line that is off: the argument is built before
 * `debug` drops it, on every engine call (an idle daemon's CPU profile: 2 % of its
 * time). In the bundle the line runs only when its debug namespace is enabled. The build
 * fails if the line is not found, so an update of docker-modem is checked here.
 */
const modemRequestLog = "debug('Sending: %s', util.inspect(options, {"
const quietModem = {
  name: "fleetd-quiet-modem",
  transform: (code: string, id: string) => {
    if (!/[\\/]node_modules[\\/]docker-modem[\\/]lib[\\/]modem\.js$/.test(id)) return null
    if (!code.includes(modemRequestLog))
      throw new Error(`docker-modem changed: "${modemRequestLog}" not found in ${id}; review rolldown.config.ts`)
    return code.replace(modemRequestLog, `if (debug.enabled) ${modemRequestLog}`)
  },
}

/**
 * What @effect/platform-node imports at its top for what fleetd never serves: WebSocket
 * upgrades (the `ws` package, which requires `https` and `tls` in turn) and TLS sockets
 * (`node:tls`). An idle daemon loaded and kept them for nothing, ≈ 3 MB resident
 * (bench/RESULTS.md, "Idle daemon, third round"). In the bundle each is an ES module of the
 * same names whose functions load the real module on their first call, so an upgrade or a
 * TLS socket, should one ever come, gets exactly the real thing. The build fails if a name
 * is no longer a function of the real module, or if the bundle uses a name not listed here.
 */
const lazyModules: Record<string, ReadonlyArray<string>> = {
  ws: ["WebSocket", "WebSocketServer"],
  "node:tls": ["connect", "createSecureContext", "createServer", "TLSSocket"],
}
const lazyModuleImporter = /[\\/]node_modules[\\/]@effect[\\/]platform-node(-shared)?[\\/]/
const lazyModuleStandIn = "\0fleetd-lazy-module:"
const isLazyModule = (id: string, importer: string | undefined) =>
  Object.hasOwn(lazyModules, id) && importer !== undefined && lazyModuleImporter.test(importer)
const lazyModuleStandIns = {
  name: "fleetd-lazy-modules",
  resolveId: (id: string, importer: string | undefined) =>
    isLazyModule(id, importer) ? `${lazyModuleStandIn}${id}` : null,
  load: (id: string) => {
    if (!id.startsWith(lazyModuleStandIn)) return null
    const name = id.slice(lazyModuleStandIn.length)
    const names = lazyModules[name] ?? []
    const real: Record<string, unknown> = createRequire(import.meta.url)(name)
    const missing = names.filter((n) => typeof real[n] !== "function")
    if (missing.length > 0)
      throw new Error(`${name} no longer exports ${missing.join(", ")} as functions; review rolldown.config.ts`)
    return `import { createRequire } from "node:module"
let real
const load = () => (real ??= createRequire(import.meta.url)(${JSON.stringify(name)}))
const lazy = (name) => function (...args) {
  const f = load()[name]
  return new.target === undefined ? f.apply(this, args) : Reflect.construct(f, args)
}
${names.map((n) => `export const ${n} = lazy(${JSON.stringify(n)})`).join("\n")}
`
  },
}

const external = (id: string, importer: string | undefined) =>
  !(lazyRequired.has(id) && importer !== undefined && lazyImporter.test(importer)) &&
  !id.startsWith(".") &&
  !id.startsWith("/") &&
  !id.startsWith("node:") &&
  !id.startsWith(standIn) &&
  !id.startsWith(lazyStandIn) &&
  !id.startsWith(snapshotStandIn) &&
  !bundled.test(id) &&
  !unusedTransport.test(id)

/**
 * The start-up snapshot's entry (src/cli/snapshotMain.ts; scripts/buildSnapshot.ts
 * turns it into the blob) is one CommonJS file, which is all `node --build-snapshot`
 * takes, and a process started from a snapshot cannot `import()`: there, the packages
 * fleetd leaves in node_modules and imports on first use (age-encryption, for SOPS
 * files) are required from node_modules beside the bundle instead.
 */
const snapshotStandIn = "\0fleetd-snapshot-require:"
const fromNodeModules = (id: string, importer: string | undefined) =>
  importer !== undefined && external(id, importer) && !isBuiltin(id)
const snapshotRequires = {
  name: "fleetd-snapshot-requires",
  resolveId: (id: string, importer: string | undefined) =>
    fromNodeModules(id, importer) ? `${snapshotStandIn}${id}` : null,
  load: (id: string) =>
    id.startsWith(snapshotStandIn)
      ? `module.exports = process.getBuiltinModule("node:module").createRequire(__filename)(${JSON.stringify(id.slice(snapshotStandIn.length))})`
      : null,
}

export default defineConfig([
  {
    input: "src/main.ts",
    plugins: [unusedTransports, lazyRequires, lazyModuleStandIns, quietModem],
    platform: "node",
    external: (id, importer) =>
      !isLazyModule(id, importer) && !id.startsWith(lazyModuleStandIn) && external(id, importer),
    output: {
      dir: "dist",
      format: "esm",
      entryFileNames: "fleetd.js",
      chunkFileNames: "chunks/[name]-[hash].js",
      // Chunks of an older build would otherwise pile up next to the new ones (and a
      // snapshot of an older build is removed with them).
      cleanDir: true,
      // Comments (most of Effect's files are JSDoc) and non-ASCII characters (any one makes V8
      // keep a chunk's whole source in two bytes a character) cost an idle daemon ≈ 8 MB
      // resident: every loaded chunk's source stays in the heap (bench/RESULTS.md). Lines and
      // names are kept, so stack traces still read.
      comments: false,
      minify: { compress: false, mangle: false, codegen: { removeWhitespace: false, asciiOnly: true } },
    },
    // A stand-in that misses a name the bundle uses (lazyModules) must fail the build.
    onLog: (level, log, handler) => {
      if (log.code === "IMPORT_IS_UNDEFINED" || log.code === "MISSING_EXPORT") handler("error", log)
      else handler(level, log)
    },
  },
  {
    input: "src/cli/snapshotMain.ts",
    plugins: [snapshotRequires, unusedTransports, lazyRequires, quietModem],
    platform: "node",
    external: (id, importer) => external(id, importer) && !fromNodeModules(id, importer),
    // Minified and ASCII only: the snapshot keeps the source text in its heap (two bytes a
    // character if a single one is not Latin-1), and every start deserializes it.
    output: {
      file: "dist/snapshot/snapshot.cjs",
      format: "cjs",
      codeSplitting: false,
      minify: { compress: true, mangle: true, codegen: { removeWhitespace: true, asciiOnly: true } },
    },
  },
])
