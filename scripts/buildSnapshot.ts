// Builds fleetd's start-up snapshot (`npm run build`, after rolldown): runs
// dist/snapshot/snapshot.cjs (src/cli/snapshotMain.ts) under `node --build-snapshot`
// with the Node running this script, and records which Node and bundle the blob
// belongs to (bin/startupSnapshot.js). bin/fleetd.js starts validate, plan and apply
// from it; without it (or when it is out of date) they start as before.
import { spawnSync } from "node:child_process"
import { renameSync, rmSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { snapshotFacts, snapshotFiles } from "../bin/startupSnapshot.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const files = snapshotFiles(root)
const partial = `${files.blob}.partial`
rmSync(files.facts, { force: true })
const built = spawnSync(process.execPath, ["--snapshot-blob", partial, "--build-snapshot", files.entry], {
  encoding: "utf8",
})
if (built.status !== 0) {
  rmSync(partial, { force: true })
  process.stderr.write(`${built.stdout}${built.stderr}`)
  process.stderr.write(`buildSnapshot: node --build-snapshot ${files.entry} exited ${built.status ?? built.signal}\n`)
  process.exit(1)
}
renameSync(partial, files.blob)
const facts = snapshotFacts(process.execPath, fileURLToPath(new URL("../dist/fleetd.js", import.meta.url)), files)
writeFileSync(files.facts, `${JSON.stringify(facts, null, 2)}\n`)
console.log(`wrote ${files.blob} (${(facts.blobSize / 1e6).toFixed(1)} MB, for ${process.execPath} ${process.version})`)
