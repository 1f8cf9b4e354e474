import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { loadConfigFile } from "../../../src/config/loadConfigFile.ts"

const write = (...lines: ReadonlyArray<string>) => {
  const dir = mkdtempSync(join(tmpdir(), "fleetd-notify-config-"))
  writeFileSync(join(dir, "notify-urls"), "json://127.0.0.1:9/a?secret=sekrit\nntfys://ntfy.example/t\n")
  const file = join(dir, "fleetd.yaml")
  writeFileSync(file, [...lines, "sources: [{ name: a, dir: /srv }, { name: b, dir: /srv/b }]"].join("\n"))
  return file
}

describe("the config file's notify: section", () => {
  it.effect("reads the URLs from urls_file (or urls_env) and gives every source the same settings", () =>
    Effect.gen(function* () {
      const loaded = yield* loadConfigFile(
        write(
          "public_url: https://fleetd.example/",
          "notify: { urls_file: notify-urls, on_applied: false, fetch_failing_after: 2m }",
        ),
        {},
      )
      for (const s of loaded.sources) {
        expect(s.settings.notify?.targets.map((t) => t.label)).toEqual(["json #1", "ntfys #2"])
        expect(s.settings.notify?.notice).toEqual({ onApplied: false, failingAfterMs: 120_000 })
        expect(s.settings.publicUrl).toBe("https://fleetd.example/")
      }
      const fromEnv = yield* loadConfigFile(write("notify: { urls_env: FLEETD_NOTIFY_URLS }"), {
        FLEETD_NOTIFY_URLS: "gotify://push.example/TOK",
      })
      expect(fromEnv.sources[0]?.settings.notify?.targets.map((t) => t.label)).toEqual(["gotify #1"])
      expect(fromEnv.sources[0]?.settings.notify?.notice).toEqual({
        onApplied: true,
        failingAfterMs: 300_000,
      })
    }),
  )

  it.effect("says what is wrong at its position, never repeating a URL", () =>
    Effect.gen(function* () {
      const neither = yield* Effect.flip(loadConfigFile(write("notify: { on_applied: true }"), {}))
      expect(neither.message).toContain(
        "fleetd.yaml:1:1: notify: give urls_file: or urls_env: (the URLs hold tokens), exactly one",
      )
      const bad = yield* Effect.flip(
        loadConfigFile(write("notify: { urls_env: URLS }"), { URLS: "json://h/x,discord://sekrit" }),
      )
      expect(bad.message).toContain(
        "notify.urls_env: notification URL #2: discord:// takes the webhook's token and id",
      )
      expect(bad.message).not.toContain("sekrit")
      const url = yield* Effect.flip(loadConfigFile(write("public_url: fleetd.local"), {}))
      expect(url.message).toContain('public_url: expected http(s)://HOST[:PORT][/PATH], not "fleetd.local"')
    }),
  )
})
