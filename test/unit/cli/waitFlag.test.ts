import { describe, expect, it } from "vitest"
import { parseCliArgs } from "../../../src/cli/parseCliArgs.ts"

describe("apply --wait", () => {
  it("waits for first creations only when asked, and only on apply", () => {
    const waiting = parseCliArgs(["apply", "--wait"])
    expect(waiting._tag === "Run" ? waiting.args.wait : waiting).toBe(true)
    const plain = parseCliArgs(["apply"])
    expect(plain._tag === "Run" ? plain.args.wait : plain).toBe(false)
    for (const command of ["validate", "plan"])
      expect(parseCliArgs([command, "--wait"])).toEqual({
        _tag: "UsageError",
        message: `--wait goes with apply, not ${command}`,
      })
  })
})
