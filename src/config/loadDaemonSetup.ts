import { Effect } from "effect"
import { type DaemonSetup, setupFromFlags } from "../daemon/DaemonSetup.ts"
import type { DaemonSettings } from "./DaemonConfig.ts"
import { loadConfigFile } from "./loadConfigFile.ts"
import { loadDaemonSettings, SettingsError, secret } from "./loadDaemonSettings.ts"
import { parseListenAddress } from "./operatorPaths.ts"
import type { RunFlags } from "./runFlags.ts"

/** With a config file, the flags that may still be given: they override the file for this run. */
const overridingFlags: ReadonlySet<string> = new Set(["config", "listen", "log-level", "log-format"])

/**
 * `fleetd run`'s setup: from the config file of `--config` (or FLEETD_CONFIG), else from
 * the flags and FLEETD_* variables (one source named `default`). With a file, only
 * `--listen`, `--log-level` and `--log-format` may be added (they override the file);
 * the API token and `*_env` secrets come from the environment. `extra` is added to every
 * source's settings (the container fleetd runs in), on reloads too.
 */
export const loadDaemonSetup = (
  flags: RunFlags,
  env: Readonly<Record<string, string | undefined>>,
  extra: Partial<DaemonSettings> = {},
) =>
  Effect.gen(function* () {
    const file = (typeof flags.config === "string" ? flags.config : undefined) ?? env["FLEETD_CONFIG"]
    if (file === undefined || file === "") {
      const settings = yield* loadDaemonSettings(flags, env)
      return setupFromFlags({ ...settings, ...extra })
    }
    const stray = Object.entries(flags)
      .filter(([flag, value]) => value !== undefined && !overridingFlags.has(flag))
      .map(([flag]) => `--${flag}`)
    if (stray.length > 0)
      return yield* new SettingsError({
        message: `${stray.join(", ")}: with --config FILE the sources are set in the file; only --listen, --log-level and --log-format may be added`,
      })
    const listen = typeof flags.listen === "string" ? parseListenAddress(flags.listen) : undefined
    if (typeof flags.listen === "string" && listen === undefined)
      return yield* new SettingsError({ message: `--listen "${flags.listen}" is not HOST:PORT` })
    const apiToken = yield* secret("FLEETD_API_TOKEN", env)
    const uiToken = yield* secret("FLEETD_UI_TOKEN", env)
    const overrides: Partial<DaemonSettings> = {
      ...extra,
      ...(listen === undefined ? {} : { listen }),
      ...(flags["log-level"] === undefined
        ? {}
        : { logLevel: flags["log-level"] as DaemonSettings["logLevel"] }),
      ...(flags["log-format"] === undefined
        ? {}
        : { logFormat: flags["log-format"] as DaemonSettings["logFormat"] }),
      ...(apiToken === undefined ? {} : { apiToken }),
      ...(uiToken === undefined ? {} : { uiToken }),
    }
    const load = loadConfigFile(file, env).pipe(
      Effect.map((loaded) => ({
        ...loaded,
        sources: loaded.sources.map((s) => ({ ...s, settings: { ...s.settings, ...overrides } })),
      })),
    )
    const loaded = yield* load
    const [first, ...others] = loaded.sources
    if (first === undefined) return yield* new SettingsError({ message: `${file}: no sources` })
    return { sources: [first, ...others], config: { file, reload: load } } satisfies DaemonSetup
  })
