import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { maxStampedEntries, worktreeStamp } from "../../../src/source/worktreeStamp.ts"

const dirs: Array<string> = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A small checkout: two files, a subdirectory, a `.git` directory. */
const worktree = () => {
  const dir = mkdtempSync(join(tmpdir(), "fleetd-stamp-"))
  dirs.push(dir)
  writeFileSync(join(dir, "fleet.yaml"), "services: {}\n")
  mkdirSync(join(dir, "conf", "deep"), { recursive: true })
  writeFileSync(join(dir, "conf", "deep", "app.env"), "A=1\n")
  mkdirSync(join(dir, ".git"))
  writeFileSync(join(dir, ".git", "index"), "index")
  return dir
}

describe("worktreeStamp", () => {
  it("is the same while nothing in the worktree changes, whatever happens in .git", () => {
    const dir = worktree()
    const first = worktreeStamp(dir)
    expect(first).toMatch(/^[0-9a-f]{64}$/)
    writeFileSync(join(dir, ".git", "index"), "rewritten by git status")
    writeFileSync(join(dir, ".git", "FETCH_HEAD"), "x")
    expect(worktreeStamp(dir)).toBe(first)
  })

  it("changes with any edit, addition, removal, rename, mode or time change, at any depth", () => {
    const changes: ReadonlyArray<(dir: string) => void> = [
      (d) => writeFileSync(join(d, "fleet.yaml"), "services: {}\n# edited\n"),
      (d) => writeFileSync(join(d, "conf", "deep", "app.env"), "A=22\n"),
      (d) => writeFileSync(join(d, "stray"), ""),
      (d) => writeFileSync(join(d, ".ignored"), "x"),
      (d) => mkdirSync(join(d, "conf", "deep", "new")),
      (d) => rmSync(join(d, "conf", "deep", "app.env")),
      (d) => chmodSync(join(d, "fleet.yaml"), 0o600),
      (d) => utimesSync(join(d, "fleet.yaml"), new Date(1000), new Date(1000)),
      (d) => symlinkSync("fleet.yaml", join(d, "link")),
      (d) => mkdirSync(join(d, ".git-not-the-repo")),
    ]
    for (const change of changes) {
      const dir = worktree()
      const before = worktreeStamp(dir)
      change(dir)
      expect(worktreeStamp(dir), String(change)).not.toBe(before)
    }
  })

  it("gives no stamp for a worktree too large to walk cheaply, or one it cannot read", () => {
    const dir = worktree()
    for (let i = 0; i < maxStampedEntries; i++) writeFileSync(join(dir, `f${i}`), "")
    expect(worktreeStamp(dir)).toBeUndefined()
    expect(worktreeStamp(join(dir, "missing"))).toBeUndefined()
  })
})
