import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { parseCliArgs } from "../../../src/cli/parseCliArgs.ts"
import { loadDaemonSettings } from "../../../src/config/loadDaemonSettings.ts"
import type { RunFlags } from "../../../src/config/runFlags.ts"

let base: string

const settings = (flags: RunFlags, env: Record<string, string> = {}) =>
  Effect.runPromise(
    loadDaemonSettings({ dir: base, "data-dir": join(base, "data"), ...flags }, env).pipe(
      Effect.map((s) => s.localFiles),
      Effect.catch((e) => Effect.succeed(`error: ${e.message}`)),
    ),
  )

describe("--local-files", () => {
  beforeEach(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "fleetd-settings-")))
    mkdirSync(join(base, "local"))
    mkdirSync(join(base, "data/checkout/repo"), { recursive: true })
    writeFileSync(join(base, "file"), "")
  })
  afterEach(() => rmSync(base, { recursive: true, force: true }))

  it("takes an existing directory from the flag or FLEETD_LOCAL_FILES, the flag first", async () => {
    expect(await settings({})).toBeUndefined()
    expect(await settings({}, { FLEETD_LOCAL_FILES: join(base, "local") })).toBe(join(base, "local"))
    expect(await settings({ "local-files": join(base, "local") }, { FLEETD_LOCAL_FILES: "/nope" })).toBe(
      join(base, "local"),
    )
  })

  it("keeps the real path, which is how the loader reports (and the daemon watches) the files in it", async () => {
    symlinkSync(join(base, "local"), join(base, "link"))
    expect(await settings({ "local-files": join(base, "link") })).toBe(join(base, "local"))
  })

  it("refuses a missing directory, a file, and a place inside the checkouts every sync cleans", async () => {
    expect(await settings({ "local-files": join(base, "nope") })).toBe(
      `error: --local-files (FLEETD_LOCAL_FILES) ${base}/nope does not exist: create it, or leave the setting out`,
    )
    expect(await settings({ "local-files": join(base, "file") })).toBe(
      `error: --local-files (FLEETD_LOCAL_FILES) ${base}/file is not a directory`,
    )
    expect(await settings({ "local-files": join(base, "data/checkout/repo") })).toBe(
      `error: --local-files (FLEETD_LOCAL_FILES) ${base}/data/checkout/repo is inside fleetd's checkouts (${base}/data/checkout), which every sync cleans`,
    )
  })

  it("is an option of validate, plan and apply too", () => {
    const parsed = parseCliArgs(["plan", "--local-files", "/srv/local"])
    expect(parsed).toMatchObject({ _tag: "Run", args: { command: "plan", localFiles: "/srv/local" } })
  })
})

describe("--verify-commits", () => {
  beforeEach(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "fleetd-settings-")))
  })
  afterEach(() => rmSync(base, { recursive: true, force: true }))

  const verifyCommits = (flags: RunFlags, env: Record<string, string> = {}) =>
    Effect.runPromise(
      loadDaemonSettings({ "data-dir": join(base, "data"), ...flags }, env).pipe(
        Effect.map((s) => (s.source._tag === "Git" ? s.source.verifyCommits : "dir")),
        Effect.catch((e) => Effect.succeed(`error: ${e.message}`)),
      ),
    )

  it("takes the keys file from the flag or FLEETD_VERIFY_COMMITS, made absolute (git runs in the checkout)", async () => {
    const repo = "file:///srv/infra.git"
    expect(await verifyCommits({ repo })).toBeUndefined()
    expect(await verifyCommits({ repo }, { FLEETD_VERIFY_COMMITS: "/keys/allowed" })).toBe("/keys/allowed")
    expect(await verifyCommits({ repo, "verify-commits": "allowed" })).toBe(join(process.cwd(), "allowed"))
  })

  it("is refused for a directory source, which has no signatures", async () => {
    expect(await verifyCommits({ dir: base, "verify-commits": "/keys/allowed" })).toBe(
      "error: --verify-commits (FLEETD_VERIFY_COMMITS) checks git signatures: it needs --repo, not --dir",
    )
  })

  it("is a flag of fleetd run", () => {
    const parsed = parseCliArgs(["run", "--repo", "file:///r.git", "--verify-commits", "/keys/allowed"])
    expect(parsed._tag === "Daemon" && parsed.flags["verify-commits"]).toBe("/keys/allowed")
  })
})
