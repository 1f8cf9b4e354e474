import { describe, expect, it } from "vitest"
import { daemonNodeFlags, missingDaemonFlags } from "../../../src/cli/daemonNodeFlags.ts"

describe("missingDaemonFlags", () => {
  it("asks for every daemon flag when Node was started without any", () => {
    expect(missingDaemonFlags([], undefined)).toEqual(daemonNodeFlags)
  })

  it("asks for nothing once the re-exec has given them", () => {
    expect(missingDaemonFlags([...daemonNodeFlags, "--enable-source-maps"], undefined)).toEqual([])
  })

  it("keeps a value the user chose, on the command line or in NODE_OPTIONS", () => {
    expect(missingDaemonFlags(["--max-semi-space-size=16"], undefined)).toEqual(["--no-maglev"])
    expect(missingDaemonFlags([], "--trace-warnings --max-semi-space-size=8")).toContain("--no-maglev")
    expect(missingDaemonFlags(["--maglev"], "--max-semi-space-size=8")).toEqual([])
    expect(missingDaemonFlags(["--no-maglev", "--max-semi-space-size=4"], undefined)).toEqual([])
  })

  it("does not mistake a longer flag for one of its own", () => {
    expect(missingDaemonFlags(["--max-semi-space-size-x=1"], "")).toEqual(daemonNodeFlags)
  })
})
