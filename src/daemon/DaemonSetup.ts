import type { Effect } from "effect"
import type { DaemonSettings } from "../config/DaemonConfig.ts"
import type { ConfigFileError, ConfiguredSource, LoadedConfig } from "../config/loadConfigFile.ts"

/** The name of the one source `fleetd run` follows when it is given flags, not a config file. */
export const flagsSourceName = "default"

/**
 * What `fleetd run` starts with: its sources, and with a config file, how to read it
 * again (SIGHUP, or the file changed). The daemon-wide settings (listen address,
 * engine, concurrency, log, API token, webhook body cap) are the same in every
 * source's settings: loadConfigFile copies them into each.
 */
export interface DaemonSetup {
  readonly sources: readonly [ConfiguredSource, ...ReadonlyArray<ConfiguredSource>]
  readonly config?: {
    readonly file: string
    readonly reload: Effect.Effect<LoadedConfig, ConfigFileError>
  }
}

/** Flags (today's one-source shorthand): one source named `default`, answering any repository. */
export const setupFromFlags = (settings: DaemonSettings): DaemonSetup => ({
  sources: [{ name: flagsSourceName, settings, webhookRepository: undefined, prune: false }],
})

/** The settings every source shares (see DaemonSetup). */
export const daemonWide = (setup: DaemonSetup): DaemonSettings => setup.sources[0].settings
