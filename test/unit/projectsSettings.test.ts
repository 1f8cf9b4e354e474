import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { parseCliArgs } from "../../src/cli/parseCliArgs.ts"
import { loadDaemonSettings } from "../../src/config/loadDaemonSettings.ts"

const settings = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const parsed = parseCliArgs(["run", ...argv])
  if (parsed._tag !== "Daemon") throw new Error(JSON.stringify(parsed))
  return Effect.runSync(Effect.result(loadDaemonSettings(parsed.flags, env)))
}

describe("--projects settings", () => {
  it("takes repeated globs on the one-shot commands, or FLEETD_PROJECTS when no -f is given", () => {
    const parsed = parseCliArgs(["plan", "--projects", "services/*", "--projects", "!services/old"])
    expect(parsed._tag === "Run" && parsed.args.projects).toEqual(["services/*", "!services/old"])
    const apply = parseCliArgs(["apply", "--projects", "a/*", "--prune-projects"])
    expect(apply._tag === "Run" && apply.args.pruneProjects).toBe(true)
    expect(parseCliArgs(["validate", "-f", "x.yaml"])).toMatchObject({
      _tag: "Run",
      args: { projects: undefined },
    })
  })

  it("refuses -f or --fleet beside --projects, and globs that leave the repository", () => {
    expect(parseCliArgs(["apply", "-f", "x.yaml", "--projects", "a/*"])).toMatchObject({
      _tag: "UsageError",
      message: "give -f FILE or --projects GLOB, not both",
    })
    expect(parseCliArgs(["apply", "--fleet", "x", "--projects", "a/*"])).toMatchObject({ _tag: "UsageError" })
    expect(parseCliArgs(["apply", "--projects", "../elsewhere/*"])).toMatchObject({ _tag: "UsageError" })
  })

  it("gives the daemon the globs from flags or FLEETD_PROJECTS, and --prune-projects", () => {
    const fromFlags = settings([
      "--dir",
      "/srv",
      "--projects",
      "services/*",
      "--projects",
      "!services/x",
      "--prune-projects",
    ])
    expect(fromFlags._tag === "Success" && fromFlags.success.projects).toEqual(["services/*", "!services/x"])
    expect(fromFlags._tag === "Success" && fromFlags.success.pruneProjects).toBe(true)
    const fromEnv = settings(["--dir", "/srv"], { FLEETD_PROJECTS: "apps/*,!apps/old" })
    expect(fromEnv._tag === "Success" && fromEnv.success.projects).toEqual(["apps/*", "!apps/old"])
    const both = settings(["--dir", "/srv", "--projects", "a/*", "--path", "x.yaml"])
    expect(both._tag === "Failure" && both.failure.message).toBe(
      "give --path FILE or --projects GLOB, not both",
    )
  })

  it("takes repeated --profile flags on run, replacing COMPOSE_PROFILES", () => {
    const profiles = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
      const result = settings(["--dir", ".", ...argv], env)
      return result._tag === "Success" ? result.success.profiles : result
    }
    expect(profiles(["--profile", "debug", "--profile", "tools"], { COMPOSE_PROFILES: "x" })).toEqual([
      "debug",
      "tools",
    ])
    expect(profiles([], { COMPOSE_PROFILES: "admin, ops" })).toEqual(["admin", "ops"])
    expect(profiles([])).toEqual([])
  })
})
