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
    expect(missingDaemonFlags(["--max-semi-space-size=16"], undefined)).toEqual([])
    expect(missingDaemonFlags([], "--trace-warnings --max-semi-space-size=8")).toEqual([])
  })

  it("does not mistake a longer flag for one of its own", () => {
    expect(missingDaemonFlags(["--max-semi-space-size-x=1"], "")).toEqual(daemonNodeFlags)
  })
})
