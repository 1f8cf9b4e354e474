import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { snapshotCommandLine, snapshotFacts, snapshotFiles } from "../../../bin/startupSnapshot.js"

/** A checkout with a built bundle and a snapshot of it, made by the fake Node binary `node`. */
const checkout = () => {
  const root = mkdtempSync(join(tmpdir(), "fleetd-snapshot-test-"))
  const node = join(root, "node")
  writeFileSync(node, "a node binary")
  const bundle = join(root, "dist", "fleetd.js")
  mkdirSync(join(root, "dist", "snapshot"), { recursive: true })
  writeFileSync(bundle, "export {}")
  const files = snapshotFiles(root)
  writeFileSync(files.entry, "")
  writeFileSync(files.blob, "a blob")
  writeFileSync(files.facts, JSON.stringify(snapshotFacts(node, bundle, files)))
  return { root, node, bundle, blob: files.blob }
}

const argv = (...args: Array<string>) => ["/usr/bin/node", "/x/bin/fleetd.js", ...args]

describe("snapshotCommandLine", () => {
  it("runs validate, plan and apply from the snapshot with the Node that built it", () => {
    const { root, node, bundle, blob } = checkout()
    for (const command of ["validate", "plan", "apply"])
      expect(snapshotCommandLine(root, bundle, argv(command, "-f", "fleet.yaml"), [], {})).toEqual([
        node,
        "--snapshot-blob",
        blob,
        command,
        "-f",
        "fleet.yaml",
      ])
  })

  it("leaves other commands, Node flags of the user's and FLEETD_SNAPSHOT=0 to the ordinary start", () => {
    const { root, bundle } = checkout()
    expect(snapshotCommandLine(root, bundle, argv("run", "--dir", "."), [], {})).toBeUndefined()
    expect(snapshotCommandLine(root, bundle, argv("--version"), [], {})).toBeUndefined()
    expect(snapshotCommandLine(root, bundle, argv(), [], {})).toBeUndefined()
    expect(snapshotCommandLine(root, bundle, argv("plan"), ["--cpu-prof"], {})).toBeUndefined()
    expect(snapshotCommandLine(root, bundle, argv("plan"), [], { FLEETD_SNAPSHOT: "0" })).toBeUndefined()
  })

  it("does not use a snapshot whose Node binary, bundle or blob changed, or that is missing", () => {
    const changedNode = checkout()
    writeFileSync(changedNode.node, "another node binary")
    expect(snapshotCommandLine(changedNode.root, changedNode.bundle, argv("plan"), [], {})).toBeUndefined()
    const touchedNode = checkout()
    utimesSync(touchedNode.node, new Date(0), new Date(0))
    expect(snapshotCommandLine(touchedNode.root, touchedNode.bundle, argv("plan"), [], {})).toBeUndefined()
    const rebuilt = checkout()
    utimesSync(rebuilt.bundle, new Date(0), new Date(0))
    expect(snapshotCommandLine(rebuilt.root, rebuilt.bundle, argv("plan"), [], {})).toBeUndefined()
    const otherBlob = checkout()
    writeFileSync(otherBlob.blob, "a longer blob")
    expect(snapshotCommandLine(otherBlob.root, otherBlob.bundle, argv("plan"), [], {})).toBeUndefined()
    const none = mkdtempSync(join(tmpdir(), "fleetd-snapshot-test-"))
    expect(snapshotCommandLine(none, join(none, "dist", "fleetd.js"), argv("plan"), [], {})).toBeUndefined()
  })
})
