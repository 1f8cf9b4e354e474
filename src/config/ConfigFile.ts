/**
 * The daemon's configuration file (`fleetd run --config FILE`): the operator's, kept
 * outside every repository. It lists the sources one daemon follows; today's flags are
 * the one-source shorthand for it. Secrets are never written here: each is a `*_file`
 * path or a `*_env` variable name, read when the file is loaded.
 *
 * The Schema checks shapes; the rules between fields (one of repo/dir, unique names,
 * ...) are in checkConfigFile.ts, with positions.
 */
import { Schema } from "effect"
import { webhookProviders } from "../domain/webhookProviders.ts"
import { durationHint, parseDuration } from "../manifest/compose/duration.ts"
import { listenHint, parseListenAddress, publicUrlPattern } from "./operatorPaths.ts"

const opt = Schema.optionalKey

const Duration = Schema.String.annotate({ description: `A duration: ${durationHint}` }).check(
  Schema.makeFilter((s: string) =>
    parseDuration(s) === undefined ? `expected ${durationHint}, not "${s}"` : undefined,
  ),
)

const Path = (description: string) =>
  Schema.String.annotate({
    description: `${description}; relative paths are from the config file's directory`,
  })

const VariableName = Schema.String.annotate({
  description: "The name of an environment variable of fleetd's that holds the value",
}).check(
  Schema.makeFilter((s: string) =>
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? undefined : `"${s}" is not an environment variable name`,
  ),
)

/** A source's name: in routes (/hooks/github/NAME), status and metric labels. */
export const sourceNamePattern = /^[a-z0-9][a-z0-9_-]{0,62}$/

export const GitSettings = Schema.Struct({
  ssh_key_file: opt(Path("Private key for ssh:// remotes")),
  known_hosts_file: opt(Path("known_hosts for ssh:// remotes (host keys are always checked)")),
  token_file: opt(Path("File holding an HTTPS token (for https:// remotes)")),
  token_env: opt(VariableName),
  timeout: opt(Duration.annotate({ description: "Longest a git command may take (default 60s)" })),
}).annotate({ identifier: "GitSettings", description: "Credentials and limits for a git source" })

export const WebhookSettings = Schema.Struct({
  repository: opt(
    Schema.String.annotate({
      description:
        "The repository deliveries name (the forge's owner/name, or its clone URL) that this source answers to at the shared /hooks/<provider> URL",
    }),
  ),
  secret_file: opt(Path("File holding this source's webhook secret")),
  secret_env: opt(VariableName),
}).annotate({ identifier: "WebhookSettings", description: "This source's webhook" })

export const ProviderSecret = Schema.Struct({
  secret_file: opt(Path("File holding the provider's secret")),
  secret_env: opt(VariableName),
}).annotate({ identifier: "ProviderSecret", description: "One provider's secret, for every source" })

/** Daemon-wide secrets per provider: a registry notifies one URL with one token, whatever the source. */
export const DaemonWebhooks = Schema.Struct(
  Object.fromEntries(webhookProviders.map((p) => [p, opt(ProviderSecret)])) as {
    readonly [K in (typeof webhookProviders)[number]]: Schema.optionalKey<typeof ProviderSecret>
  },
).annotate({
  identifier: "DaemonWebhooks",
  description:
    "A provider's secret for every source (it wins over a source's own webhook secret for that provider); typically the registries' (registry, dockerhub, harbor)",
})

export const NotifySection = Schema.Struct({
  urls_file: opt(
    Path("File listing the notification target URLs, one a line or comma-separated (they hold tokens)"),
  ),
  urls_env: opt(VariableName),
  on_applied: opt(
    Schema.Boolean.annotate({
      description: "Tell each new revision applied, with its changes (default true)",
    }),
  ),
  fetch_failing_after: opt(
    Duration.annotate({
      description:
        "Tell a source whose passes have failed this long, and when they succeed again (default 5m)",
    }),
  ),
}).annotate({
  identifier: "NotifySettings",
  description:
    "Notifications on state changes (docs/notifications.md); the URLs only from a file or a variable",
})

export const SourceEntry = Schema.Struct({
  name: Schema.String.annotate({
    description: "Unique; used in routes (/hooks/<provider>/<name>, /sync/<name>), status and metric labels",
  }).check(
    Schema.makeFilter((s: string) =>
      sourceNamePattern.test(s)
        ? undefined
        : `source name "${s}" must match ${sourceNamePattern.source} (lowercase letters, digits, _ and -)`,
    ),
  ),
  repo: opt(Schema.String.annotate({ description: "A git repository: https://, ssh:// or file:// URL" })),
  dir: opt(Path("A local directory, instead of repo")),
  branch: opt(Schema.String.annotate({ description: "The branch to follow (default main)" })),
  ref: opt(Schema.String.annotate({ description: "A tag or commit to pin, instead of branch" })),
  verify_commits: opt(
    Path(
      "Apply only revisions signed by one of these keys: an SSH allowed_signers file or armored OpenPGP public keys (docs/verification.md); keep it outside the repository",
    ),
  ),
  path: opt(
    Schema.String.annotate({ description: "The manifest inside the repository (default fleet.yaml)" }),
  ),
  projects: opt(
    Schema.Array(Schema.String).annotate({
      description: "Instead of path: one fleet per matching project directory (globs; !GLOB excludes)",
    }),
  ),
  prune_projects: opt(
    Schema.Boolean.annotate({ description: "Remove the fleets of project directories that are gone" }),
  ),
  fleet: opt(
    Schema.String.annotate({ description: "The fleet's name (with path; default: name: or the directory)" }),
  ),
  profiles: opt(Schema.Array(Schema.String).annotate({ description: "Compose profiles to enable" })),
  interval: opt(Duration.annotate({ description: "Poll interval (default 60s, jittered)" })),
  local_files: opt(Path("Files git must not hold, laid over the repository at the same paths")),
  policy: opt(Path("The operator policy for this source (default: deny)")),
  allow_empty: opt(
    Schema.Boolean.annotate({ description: "Allow a manifest with no services to remove all" }),
  ),
  prune: opt(
    Schema.Boolean.annotate({
      description: "When the source leaves this file, remove its containers (default: leave them running)",
    }),
  ),
  git: opt(GitSettings),
  webhook: opt(WebhookSettings),
}).annotate({ identifier: "Source", description: "One repository or directory the daemon follows" })

export const ConfigFile = Schema.Struct({
  listen: opt(
    Schema.String.annotate({ description: "HOST:PORT for the HTTP listener (default 127.0.0.1:8080)" }).check(
      Schema.makeFilter((s: string) =>
        parseListenAddress(s) === undefined ? `"${s}" ${listenHint}` : undefined,
      ),
    ),
  ),
  data_dir: opt(Path("Checkouts and state (default ./.fleetd)")),
  engine: opt(
    Schema.String.annotate({
      description: "The engine's address (default: DOCKER_HOST, then the usual sockets)",
    }),
  ),
  concurrency: opt(
    Schema.Int.annotate({
      description: "Engine actions at once, across all sources (1 to 64, default 4)",
    }).check(Schema.isBetween({ minimum: 1, maximum: 64 })),
  ),
  history: opt(
    Schema.Int.annotate({
      description: "Passes kept per fleet in each source's history (1 to 100000, default 500)",
    }).check(Schema.isBetween({ minimum: 1, maximum: 100_000 })),
  ),
  webhook_max_bytes: opt(
    Schema.Int.annotate({ description: "Largest webhook body read (default 5 MiB)" }).check(
      Schema.isGreaterThan(0),
    ),
  ),
  webhooks: opt(DaemonWebhooks),
  notify: opt(NotifySection),
  public_url: opt(
    Schema.String.annotate({
      description: "The daemon's address as users open it, linked from notifications",
    }).check(
      Schema.makeFilter((s: string) =>
        publicUrlPattern.test(s) ? undefined : `expected http(s)://HOST[:PORT][/PATH], not "${s}"`,
      ),
    ),
  ),
  host_name: opt(
    Schema.String.annotate({
      description:
        "What {host} stands for in the sources' path: and projects: ({hostname} is the machine's host name)",
    }),
  ),
  log_level: opt(Schema.Literals(["debug", "info", "warn", "error"])),
  log_format: opt(Schema.Literals(["json", "pretty"])),
  sources: Schema.Array(SourceEntry).annotate({ description: "The repositories and directories to follow" }),
}).annotate({
  identifier: "FleetdConfig",
  title: "fleetd daemon configuration",
  description: "What one fleetd run follows. Kept outside every repository; secrets only as *_file or *_env.",
})

export type ConfigFile = typeof ConfigFile.Type
export type SourceEntry = typeof SourceEntry.Type
