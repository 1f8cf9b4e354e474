/**
 * The environment every git process of the source runs with, built whole here: of the
 * inherited GIT_* variables only those that tune TLS and HTTP pass (GIT_DIR or
 * GIT_ASKPASS from the daemon's environment would redirect or run something), and none
 * of the variables that make git start a program. Credentials travel only through
 * variables: never argv (visible in `ps`) nor the URL (stored in .git/config, echoed in
 * errors).
 */
import { Duration, Redacted } from "effect"
import type { GitConfig } from "./checkGitInputs.ts"
import { urlSecrets } from "./redactUrl.ts"

export interface GitEnvironment {
  readonly env: Readonly<Record<string, string>>
  /** Strings to mask in anything shown: the token, its header, URL passwords. */
  readonly secrets: ReadonlyArray<string>
}

/** Inherited variables that only tune TLS and HTTP; the machine's CA bundle is one (STACK.md). */
const inheritedGitVariables = [
  "GIT_SSL_CAINFO",
  "GIT_SSL_CAPATH",
  "GIT_SSL_CERT",
  "GIT_SSL_KEY",
  "GIT_SSL_VERSION",
  "GIT_SSL_CIPHER_LIST",
  "GIT_PROXY_SSL_CAINFO",
  "GIT_HTTP_USER_AGENT",
]

/** Variables besides GIT_* that can make git run a program: never inherited. */
const guarded = new Set(["EDITOR", "VISUAL", "PAGER", "PREFIX", "SSH_ASKPASS"])

const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`

/** `ssh` with the configured key and the pinned known_hosts; host-key checking is never relaxed. */
export const sshCommand = (config: GitConfig): string => {
  const seconds = Math.max(1, Math.ceil(Duration.toSeconds(config.timeout)))
  const parts = ["ssh"]
  if (config.sshKeyFile !== undefined)
    parts.push("-i", shellQuote(config.sshKeyFile), "-o", "IdentitiesOnly=yes")
  if (config.knownHostsFile !== undefined)
    parts.push("-o", shellQuote(`UserKnownHostsFile=${config.knownHostsFile}`))
  parts.push(
    // Only the pinned file counts, not /etc/ssh/ssh_known_hosts.
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "BatchMode=yes",
    // Also bounds the banner exchange, so an ssh left behind by a killed git ends too.
    "-o",
    `ConnectTimeout=${seconds}`,
  )
  return parts.join(" ")
}

/**
 * Config entries passed as GIT_CONFIG_KEY_n/VALUE_n. They override the user's global
 * config: no credential helper may answer (or store) for fleetd, no hook runs in the
 * checkout, and nothing recurses into submodules. Nor does a fetch start `git maintenance
 * run --auto` (one more process on every new revision): the checkout is shallow and
 * replaced whenever it goes wrong, so there is nothing worth maintaining.
 */
const configEntries = (basicAuth: string | undefined): Array<[string, string]> => {
  const entries: Array<[string, string]> = [
    ["credential.helper", ""],
    ["core.hooksPath", "/dev/null"],
    ["submodule.recurse", "false"],
    ["fetch.recurseSubmodules", "false"],
    ["core.askPass", ""],
    ["advice.detachedHead", "false"],
    ["maintenance.auto", "false"],
  ]
  if (basicAuth !== undefined) entries.push(["http.extraHeader", `Authorization: Basic ${basicAuth}`])
  return entries
}

export const gitEnvironment = (
  config: GitConfig,
  inherited: Readonly<Record<string, string | undefined>> = process.env,
): GitEnvironment => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(inherited)) {
    if (value === undefined) continue
    const upper = key.toUpperCase()
    if (upper.startsWith("GIT_") ? inheritedGitVariables.includes(upper) : !guarded.has(upper))
      env[key] = value
  }
  // English messages: errors are classified from git's stderr.
  env["LC_ALL"] = "C"
  env["LANGUAGE"] = ""
  env["GIT_TERMINAL_PROMPT"] = "0"
  env["GIT_SSH_COMMAND"] = sshCommand(config)
  const token = config.httpsToken === undefined ? undefined : Redacted.value(config.httpsToken)
  // GitHub, GitLab and Gitea all accept a token as the password of basic auth.
  const basicAuth =
    token === undefined ? undefined : Buffer.from(`x-access-token:${token}`).toString("base64")
  const entries = configEntries(basicAuth)
  env["GIT_CONFIG_COUNT"] = String(entries.length)
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key
    env[`GIT_CONFIG_VALUE_${i}`] = value
  })
  const secrets = urlSecrets(config.repo)
  if (token !== undefined && basicAuth !== undefined) secrets.push(token, basicAuth)
  return {
    env,
    secrets,
  }
}
