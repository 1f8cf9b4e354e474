import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { loadDaemonSetup } from "../../../src/config/loadDaemonSetup.ts"

const configFile = (text: string) => {
  const dir = mkdtempSync(join(tmpdir(), "fleetd-setup-"))
  const file = join(dir, "fleetd.yaml")
  writeFileSync(file, text)
  return file
}

const twoSources = () =>
  configFile(
    [
      "listen: 127.0.0.1:9999",
      "sources:",
      "  - name: shop",
      "    repo: https://git.example/acme/shop.git",
      "  - name: lab",
      `    dir: ${tmpdir()}`,
    ].join("\n"),
  )

describe("fleetd run's setup", () => {
  it.effect("from flags: one source named default, answering any repository", () =>
    Effect.gen(function* () {
      const setup = yield* loadDaemonSetup({ dir: tmpdir() }, {})
      expect(setup.sources.map((s) => [s.name, s.webhookRepository])).toEqual([["default", undefined]])
      expect(setup.config).toBeUndefined()
    }),
  )

  it.effect("from --config or FLEETD_CONFIG: its sources, with --listen and the API token from outside", () =>
    Effect.gen(function* () {
      const file = twoSources()
      const setup = yield* loadDaemonSetup(
        { config: file, listen: "127.0.0.1:7000" },
        { FLEETD_API_TOKEN: "tok", FLEETD_REPO: "https://ignored.example/x.git" },
        { selfContainerId: "abc" },
      )
      expect(setup.config?.file).toBe(file)
      expect(setup.sources.map((s) => [s.name, s.webhookRepository])).toEqual([
        ["shop", "https://git.example/acme/shop.git"],
        ["lab", undefined],
      ])
      for (const s of setup.sources) {
        expect(s.settings.listen).toEqual({ host: "127.0.0.1", port: 7000 })
        expect(s.settings.selfContainerId).toBe("abc")
        expect(s.settings.apiToken && Redacted.value(s.settings.apiToken)).toBe("tok")
      }
      const fromEnv = yield* loadDaemonSetup({}, { FLEETD_CONFIG: file })
      expect(fromEnv.sources[0].settings.listen).toEqual({ host: "127.0.0.1", port: 9999 })
      // A reload reads the file again, with the same overrides.
      const reloaded = yield* setup.config!.reload
      expect(reloaded.sources[0]?.settings.listen).toEqual({ host: "127.0.0.1", port: 7000 })
    }),
  )

  it.effect("refuses source flags next to --config, naming them", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        loadDaemonSetup({ config: twoSources(), repo: "x", interval: "5s" }, {}),
      )
      expect(error.message).toBe(
        "--repo, --interval: with --config FILE the sources are set in the file; only --listen, --log-level and --log-format may be added",
      )
    }),
  )

  it.effect("an invalid file is refused with its positions", () =>
    Effect.gen(function* () {
      const file = configFile("sources:\n  - name: Shop\n    repo: x\n")
      const error = yield* Effect.flip(loadDaemonSetup({ config: file }, {}))
      expect(error.message).toContain(`${file}:2:`)
      expect(error.message).toContain("source name")
    }),
  )
})
