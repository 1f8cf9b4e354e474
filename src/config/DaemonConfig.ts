import { Context, type Duration, type Redacted } from "effect"
import type { SourceConfig } from "../domain/SourceConfig.ts"
import type { WebhookProvider } from "../domain/webhookProviders.ts"
import type { NotifySettings } from "../notify/NotifySettings.ts"
import type { Policy } from "../policy/Policy.ts"

/** Everything `fleetd run` is configured with: flags first, then FLEETD_* variables, then defaults. */
export interface DaemonSettings {
  readonly source: SourceConfig
  /** Manifest path inside the repository or directory. */
  readonly path: string
  /** `--projects` globs: one fleet per matching project directory instead of `path`. */
  readonly projects?: ReadonlyArray<string>
  /** Remove the fleets of project directories that are gone (else only reported). */
  readonly pruneProjects?: boolean
  readonly fleet: string | undefined
  /** Poll interval (jittered by up to 10%). */
  readonly interval: Duration.Duration
  /** The fleet lease's expiry (`--lease-expiry`); unset: defaultLeaseTtl (30 s). */
  readonly leaseExpiry?: Duration.Duration
  readonly listen: { readonly host: string; readonly port: number }
  /** Checkout and state live here. */
  readonly dataDir: string
  /** Passes kept per fleet in the history (`--history`, docs/history.md); unset: 500. */
  readonly history?: number
  readonly engine: string | undefined
  readonly allowEmpty: boolean
  /**
   * `--swarm` / FLEETD_SWARM: the swarm target whatever `x-fleetd.target` says; services
   * become Swarm services on the manager the engine is (docs/swarm.md).
   */
  readonly swarm?: boolean
  readonly concurrency: number
  /** The id of the container this daemon runs in, when it can tell (ownContainerId.ts). */
  readonly selfContainerId?: string
  /**
   * `--local-files`: files git must not hold, laid over the repository at the same
   * paths (absolute; a directory that existed at start-up). Never cleaned by fleetd.
   */
  readonly localFiles?: string | undefined
  /**
   * `--profile` flags, else COMPOSE_PROFILES from the environment: the Compose profiles
   * enabled. Flags replace the variable in the environment manifests are loaded with.
   */
  readonly profiles?: ReadonlyArray<string>
  /** The operator policy, read once at start-up; unset means default deny. */
  readonly policy?: Policy
  /** Secret per provider; a provider without one refuses every delivery (fail closed). */
  readonly webhookSecrets: Readonly<Partial<Record<WebhookProvider, Redacted.Redacted<string>>>>
  /** `FLEETD_API_TOKEN` (or `_FILE`): the bearer token of `POST /sync`; unset, the API is closed. */
  readonly apiToken?: Redacted.Redacted<string>
  /** `FLEETD_UI_TOKEN` (or `_FILE`): protects the page, `/events` and `/status` (docs/page.md). */
  readonly uiToken?: Redacted.Redacted<string>
  /** Webhook bodies above this many bytes are refused with 413 before authentication. */
  readonly webhookMaxBytes: number
  /** `FLEETD_NOTIFY_URLS` (or `_FILE`), or the config file's `notify:`; unset, nothing is sent. */
  readonly notify?: NotifySettings
  /** `FLEETD_PUBLIC_URL` / `public_url`: the daemon's address as users reach it, linked from messages. */
  readonly publicUrl?: string
  readonly logLevel: "debug" | "info" | "warn" | "error"
  readonly logFormat: "json" | "pretty"
}

export class DaemonConfig extends Context.Service<DaemonConfig, DaemonSettings>()(
  "fleetd/config/DaemonConfig",
) {}
