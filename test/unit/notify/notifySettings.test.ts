import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Result } from "effect"
import { describe, expect, it } from "vitest"
import { loadDaemonSettings } from "../../../src/config/loadDaemonSettings.ts"

const load = (env: Record<string, string>) =>
  Effect.runSync(Effect.result(loadDaemonSettings({ dir: "/tmp" }, env)))

describe("notification settings", () => {
  it("FLEETD_NOTIFY_URLS (or _FILE) gives the targets, by label", () => {
    const ok = load({ FLEETD_NOTIFY_URLS: "json://127.0.0.1:1/x, ntfys://ntfy.example/t" })
    expect(Result.isSuccess(ok) && ok.success.notify?.targets.map((t) => t.label)).toEqual([
      "json #1",
      "ntfys #2",
    ])
    const file = join(mkdtempSync(join(tmpdir(), "fleetd-notify-")), "urls")
    writeFileSync(file, "# ops\ngotify://push.example/TOK\n")
    const fromFile = load({ FLEETD_NOTIFY_URLS_FILE: file, FLEETD_PUBLIC_URL: "https://fleetd.example/" })
    expect(Result.isSuccess(fromFile) && fromFile.success.notify?.targets.map((t) => t.label)).toEqual([
      "gotify #1",
    ])
    expect(Result.isSuccess(fromFile) && fromFile.success.publicUrl).toBe("https://fleetd.example/")
    const none = load({})
    expect(Result.isSuccess(none) && none.success.notify).toBeUndefined()
  })

  it("a bad URL is a settings error naming its place, never its tokens", () => {
    const bad = load({ FLEETD_NOTIFY_URLS: "json://127.0.0.1/x,slack://sekrit/only" })
    expect(Result.isFailure(bad) && bad.failure.message).toBe(
      "FLEETD_NOTIFY_URLS: notification URL #2: slack:// takes the webhook's three tokens: slack://TOKEN_A/TOKEN_B/TOKEN_C",
    )
    const odd = load({ FLEETD_NOTIFY_URLS: "json://127.0.0.1/x", FLEETD_PUBLIC_URL: "fleetd.local" })
    expect(Result.isFailure(odd) && odd.failure.message).toContain("FLEETD_PUBLIC_URL: expected http(s)://")
  })
})
