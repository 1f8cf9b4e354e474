/*
 * The flags of `fleetd run`, apart from the loader that reads them (loadDaemonSettings):
 * the argument parser every command runs needs only these names, and importing the
 * loader would put the daemon's settings and notification code on every command's
 * start-up (bench/startup.ts).
 */

/** `fleetd run` flags and the FLEETD_* variable each one overrides (docs/configuration.md). */
export const runFlags = {
  config: "FLEETD_CONFIG",
  repo: "FLEETD_REPO",
  branch: "FLEETD_BRANCH",
  ref: "FLEETD_REF",
  path: "FLEETD_PATH",
  projects: "FLEETD_PROJECTS",
  "host-name": "FLEETD_HOST_NAME",
  "prune-projects": "FLEETD_PRUNE_PROJECTS",
  dir: "FLEETD_DIR",
  fleet: "FLEETD_FLEET",
  interval: "FLEETD_INTERVAL",
  "lease-expiry": "FLEETD_LEASE_EXPIRY",
  listen: "FLEETD_LISTEN",
  "data-dir": "FLEETD_DATA_DIR",
  history: "FLEETD_HISTORY",
  "ssh-key": "FLEETD_SSH_KEY",
  "known-hosts": "FLEETD_KNOWN_HOSTS",
  "git-timeout": "FLEETD_GIT_TIMEOUT",
  "verify-commits": "FLEETD_VERIFY_COMMITS",
  engine: "FLEETD_ENGINE",
  "allow-empty": "FLEETD_ALLOW_EMPTY",
  swarm: "FLEETD_SWARM",
  concurrency: "FLEETD_CONCURRENCY",
  policy: "FLEETD_POLICY",
  "local-files": "FLEETD_LOCAL_FILES",
  // Compose's own variable, as `docker compose --profile` replaces it.
  profile: "COMPOSE_PROFILES",
  "webhook-max-bytes": "FLEETD_WEBHOOK_MAX_BYTES",
  "log-level": "FLEETD_LOG_LEVEL",
  "log-format": "FLEETD_LOG_FORMAT",
} as const

export type RunFlags = {
  readonly [K in keyof typeof runFlags]?: string | boolean | ReadonlyArray<string> | undefined
}

/** Flags that take no value. */
export const booleanRunFlags: ReadonlySet<string> = new Set(["allow-empty", "prune-projects", "swarm"])
