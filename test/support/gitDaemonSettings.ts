import { Duration } from "effect"
import type { DaemonSettings } from "../../src/config/DaemonConfig.ts"

/** Settings of a daemon following a git repository that is never fetched: for tests of the HTTP routes. */
export const gitDaemonSettings = (overrides: Partial<DaemonSettings> = {}): DaemonSettings => ({
  source: {
    _tag: "Git",
    repo: "file:///nowhere",
    branch: "main",
    ref: undefined,
    sshKeyFile: undefined,
    knownHostsFile: undefined,
    httpsToken: undefined,
    timeout: Duration.seconds(30),
  },
  path: "fleet.yaml",
  fleet: "webhooks",
  interval: Duration.seconds(60),
  listen: { host: "127.0.0.1", port: 0 },
  dataDir: "/nonexistent",
  engine: undefined,
  allowEmpty: false,
  concurrency: 4,
  webhookSecrets: {},
  webhookMaxBytes: 5 * 1024 * 1024,
  logLevel: "info",
  logFormat: "json",
  ...overrides,
})
