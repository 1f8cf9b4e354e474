import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { parseCliArgs } from "../../../src/cli/parseCliArgs.ts"
import { loadDaemonSettings } from "../../../src/config/loadDaemonSettings.ts"

const settings = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const parsed = parseCliArgs(["run", "--dir", ".", ...argv])
  if (parsed._tag !== "Daemon") throw new Error(JSON.stringify(parsed))
  return Effect.runSync(Effect.result(loadDaemonSettings(parsed.flags, env)))
}

describe("--history", () => {
  it("keeps 500 passes per fleet unless --history or FLEETD_HISTORY says otherwise", () => {
    const history = (r: ReturnType<typeof settings>) => (r._tag === "Success" ? r.success.history : r)
    expect(history(settings([]))).toBe(500)
    expect(history(settings(["--history", "20"]))).toBe(20)
    expect(history(settings([], { FLEETD_HISTORY: "30" }))).toBe(30)
  })

  it("refuses a bound below 1 or above 100000", () => {
    for (const n of ["0", "100001"])
      expect(settings(["--history", n])).toMatchObject({
        _tag: "Failure",
        failure: { message: "--history takes a whole number from 1 to 100000" },
      })
  })
})
