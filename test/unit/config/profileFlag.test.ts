import { describe, expect, it } from "vitest"
import { parseCliArgs } from "../../../src/cli/parseCliArgs.ts"
import { withProfiles } from "../../../src/manifest/withProfiles.ts"

describe("--profile", () => {
  it("is repeatable on validate, plan and apply, and replaces COMPOSE_PROFILES", () => {
    for (const command of ["validate", "plan", "apply"]) {
      const parsed = parseCliArgs([command, "--profile", "debug", "--profile", "tools"])
      expect(parsed._tag === "Run" ? parsed.args.profiles : parsed).toEqual(["debug", "tools"])
    }
    const none = parseCliArgs(["apply"])
    expect(none._tag === "Run" ? none.args.profiles : none).toEqual([])
    expect(withProfiles({ COMPOSE_PROFILES: "admin", A: "1" }, ["debug", "tools"])).toEqual({
      COMPOSE_PROFILES: "debug,tools",
      A: "1",
    })
    expect(withProfiles({ COMPOSE_PROFILES: "admin" }, [])).toEqual({ COMPOSE_PROFILES: "admin" })
  })
})
