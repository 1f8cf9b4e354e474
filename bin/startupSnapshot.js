// fleetd's start-up snapshot (src/cli/snapshotMain.ts): where `npm run build` puts it
// (scripts/buildSnapshot.ts), and whether bin/fleetd.js may start a command from it.
// Plain JavaScript: bin/fleetd.js imports it before it knows that Node runs TypeScript,
// and it may be loaded by a Node older than 24: Node's modules are taken only when a
// function runs (process.getBuiltinModule, which is also cheaper than an import).
const fs = () => process.getBuiltinModule("node:fs")
const join = (...parts) => process.getBuiltinModule("node:path").join(...parts)

/** The commands started from the snapshot: those whose start-up is most of their time. */
const snapshotCommands = new Set(["validate", "plan", "apply"])

/** The snapshot's files under the checkout `root`. */
export const snapshotFiles = (root) => {
  const dir = join(root, "dist", "snapshot")
  return {
    entry: join(dir, "snapshot.cjs"),
    blob: join(dir, "fleetd.blob"),
    facts: join(dir, "snapshot.json"),
  }
}

/**
 * What must still hold for a blob to be loaded: the Node binary that built it, unchanged
 * (a blob loads only in the exact binary that wrote it; any other Node exits with an
 * error instead of falling back), and the bundle and blob of that build.
 */
export const snapshotFacts = (nodePath, bundle, files) => {
  const node = fs().statSync(nodePath)
  return {
    node: nodePath,
    nodeSize: node.size,
    nodeMtimeMs: node.mtimeMs,
    bundleMtimeMs: fs().statSync(bundle).mtimeMs,
    entry: files.entry,
    blobSize: fs().statSync(files.blob).size,
  }
}

/**
 * The Node command line that runs `argv`'s command from the snapshot, or undefined when
 * the command is not one of those, the snapshot is missing or out of date, its Node
 * binary changed, Node was given flags of its own (a profile, a loader: they get the
 * ordinary start), `process.execve` is missing, or FLEETD_SNAPSHOT=0.
 */
export const snapshotCommandLine = (root, bundle, argv, execArgv, env) => {
  if (env.FLEETD_SNAPSHOT === "0" || execArgv.length > 0 || typeof process.execve !== "function") return
  if (!snapshotCommands.has(argv[2] ?? "")) return
  try {
    const files = snapshotFiles(root)
    const recorded = JSON.parse(fs().readFileSync(files.facts, "utf8"))
    const now = snapshotFacts(recorded.node, bundle, files)
    if (Object.keys(now).some((key) => now[key] !== recorded[key])) return
    return [recorded.node, "--snapshot-blob", files.blob, ...argv.slice(2)]
  } catch {
    // No snapshot (never built, or removed): the ordinary start.
    return
  }
}
