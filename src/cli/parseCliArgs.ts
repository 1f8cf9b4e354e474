import { createRequire } from "node:module"
import { Duration } from "effect"

import { booleanRunFlags, type RunFlags, runFlags } from "../config/runFlags.ts"
import { maxHistoryPage } from "../history/historyPage.ts"
import { durationHint, parseDuration } from "../manifest/compose/duration.ts"
import { parseProjectPatterns, patternProblem } from "../manifest/projectGlob.ts"
import type { HistoryArgs } from "./history.ts"
import type { SyncArgs } from "./sync.ts"

/**
 * node:util through `require`, not `import`: an ES module import of a built-in reads every
 * export, and node:util's lazy getters (its diff and worker helpers) load a dozen more
 * modules that every command, and the daemon for as long as it runs, would keep for
 * nothing (bench/RESULTS.md, "Idle daemon, third round").
 */
const { parseArgs }: typeof import("node:util") = createRequire(import.meta.url)("node:util")

export type Command = "validate" | "plan" | "apply"

export interface CliArgs {
  readonly command: Command
  readonly file: string
  readonly fleet: string | undefined
  readonly json: boolean
  readonly allowEmpty: boolean
  readonly engine: string | undefined
  readonly concurrency: number
  /** apply: wait for first creations' health too, like `docker compose up --wait` (exit 1 if one fails). */
  readonly wait: boolean
  /** The operator policy file; undefined means default deny. */
  readonly policy: string | undefined
  /** `--profile` (repeatable): Compose profiles to enable; none given: COMPOSE_PROFILES. */
  readonly profiles: ReadonlyArray<string>
  /** `--projects` globs (or FLEETD_PROJECTS): one fleet per project directory instead of `-f`. */
  readonly projects: ReadonlyArray<string> | undefined
  /** Remove the fleets of project directories that are gone (else they are only reported). */
  readonly pruneProjects: boolean
  /** `--local-files` (or FLEETD_LOCAL_FILES): files git must not hold, laid over the repository. */
  readonly localFiles: string | undefined
  /** apply: how long to wait for the fleet's lease while another fleetd holds it. */
  readonly leaseWait: Duration.Duration
  /** apply: the expiry written in its lease records (`--lease-expiry`, as for `fleetd run`). */
  readonly leaseExpiry: Duration.Duration
  /** `--swarm` (or FLEETD_SWARM=1): the swarm target, whatever `x-fleetd.target` says (docs/swarm.md). */
  readonly swarm: boolean
}

export type ParsedArgs =
  | { readonly _tag: "Run"; readonly args: CliArgs }
  | { readonly _tag: "Daemon"; readonly flags: RunFlags }
  | { readonly _tag: "Status"; readonly url: string; readonly json: boolean }
  | { readonly _tag: "Sync"; readonly args: SyncArgs }
  | { readonly _tag: "History"; readonly args: HistoryArgs }
  | { readonly _tag: "Help"; readonly text: string }
  | { readonly _tag: "Version" }
  | { readonly _tag: "UsageError"; readonly message: string }

export const usage = `fleetd — GitOps for one Docker or Podman host

Usage: fleetd <command> [options]

Commands:
  validate   Check fleet.yaml and report every problem with its file:line:column
  plan       Show what apply would change on this host, and why
  apply      Make this host match fleet.yaml in one pass
  run        Keep this host matching a git repository (or a directory), continuously;
             with --config FILE, every repository and directory the file lists
  status     Show what a running \`fleetd run\` is doing (from its /status)
  sync       Ask a running \`fleetd run\` for a pass now (POST /sync; token from FLEETD_API_TOKEN)
  history    Show the passes a running \`fleetd run\` recorded, newest first (from its /status/history)

Options:
  -f, --file FILE      the manifest (default: ./fleet.yaml)
      --projects GLOB  instead of -f: every directory GLOB matches (relative to the working
                       directory; repeatable, comma-separated, !GLOB excludes) that holds a
                       compose file is a project, reconciled as its own fleet (docs/projects.md)
      --prune-projects apply: remove the fleets of project directories that are gone
      --fleet NAME     the fleet's name (default: the manifest's \`name\`, else its directory's name)
      --json           machine-readable output (see docs/json-output.md)
      --allow-empty    apply: let a manifest with no services remove every container of the fleet
      --engine URL     the engine to use, e.g. unix:///run/podman/podman.sock
                       (default: DOCKER_HOST, else the usual Docker and Podman sockets)
      --concurrency N  apply: how many engine changes (create, start, stop, ...) run at once
                       (default: 4); health gates wait without holding one
      --wait           apply: also wait for services created for the first time to be healthy
                       (as \`docker compose up --wait\`); exit 1 if one is not
      --lease-wait DURATION  apply: how long to wait while another fleetd holds the fleet's
                       lease (default: 60s; docs/configuration.md)
      --lease-expiry DURATION  how soon a holder killed without letting go loses the fleet's
                       lease (default: 30s, 3s to 10m)
      --policy FILE    the operator policy: what fleet.yaml may ask of the host beyond a plain
                       container (default: nothing; see docs/policy.md)
      --profile NAME   enable a Compose profile (repeatable; default: COMPOSE_PROFILES, comma-separated);
                       services with \`profiles:\` run only when one of theirs is enabled
      --local-files DIR  files git must not hold (secrets, host config, data), laid over the
                       repository at the same paths (also FLEETD_LOCAL_FILES; see docs/configuration.md)
      --swarm          the swarm target (also FLEETD_SWARM=1, or x-fleetd.target: swarm in the file):
                       services become Docker Swarm services on the Swarm manager --engine points at;
                       validate reads deploy: as Swarm does and reports one-host fields (docs/swarm.md)
  -h, --help           show this help
  -v, --version        show fleetd's version

\`fleetd run\` options (each also a FLEETD_* variable; see docs/configuration.md):
      --config FILE             follow every source of a config file (docs/config-file.md); then only
                                --listen, --log-level and --log-format may be added
      --repo URL | --dir PATH   the git repository (https, ssh, file) or a local directory
      --branch NAME             branch to track (default: main), or --ref TAG|COMMIT to pin
      --path FILE               the manifest inside the repository (default: fleet.yaml)
      --projects GLOB           instead of --path: one fleet per matching project directory
      --host-name NAME          what {host} stands for in --path and --projects; {hostname} is the
                                machine's host name (one repository, a folder per host: docs/many-hosts.md)
      --prune-projects          remove the fleets of project directories that are gone
      --interval DURATION       poll interval (default: 60s, jittered)
      --lease-expiry DURATION   as above (a waiting fleetd takes over this long after the holder's last renewal)
      --listen HOST:PORT        HTTP address for /health /ready /metrics /status /hooks /sync (default: 127.0.0.1:8080)
      --data-dir DIR            checkout and state (default: ./.fleetd)
      --history N               passes kept per fleet in the history (default: 500; docs/history.md)
      --ssh-key FILE --known-hosts FILE   SSH credentials (host keys always checked)
      --verify-commits FILE     apply only revisions signed by a key in FILE (SSH allowed_signers
                                or armored OpenPGP keys; docs/verification.md)
      --fleet, --engine, --allow-empty, --concurrency, --policy, --local-files, --profile as above
      --git-timeout DURATION  --webhook-max-bytes N  --log-level LEVEL  --log-format json|pretty
  Secrets only from the environment: FLEETD_GIT_TOKEN, FLEETD_WEBHOOK_SECRET[_GITHUB|_GITLAB|
  _GITEA|_BITBUCKET|_GENERIC|_REGISTRY|_DOCKERHUB|_HARBOR], FLEETD_API_TOKEN (POST /sync),
  FLEETD_UI_TOKEN (the status page at /, and /status), each also as *_FILE naming a file that holds it.

\`fleetd status\` options:
      --url URL    the daemon's address (default: http://127.0.0.1:8080)
      --json       print /status as it is (sends FLEETD_UI_TOKEN when set)

\`fleetd sync [SOURCE]\` options (the token from FLEETD_API_TOKEN or FLEETD_API_TOKEN_FILE; docs/api.md;
  SOURCE: one source of a daemon run with --config, else every source):
      --url URL    the daemon's address (default: http://127.0.0.1:8080)
      --wait       wait for the pass and print what it did to each service
      --timeout DURATION  how long the daemon waits for it (default: 5m, at most 30m)
      --json       print the API's answer as it is

\`fleetd history\` options (docs/history.md):
      --url URL    the daemon's address (default: http://127.0.0.1:8080)
      --source S   one source's passes
      --fleet F    the passes that concerned fleet F
      --limit N    the newest N passes (1 to 500, default 50)
      --json       print /status/history as it is

Exit status: 0 valid / converged, 1 invalid or a service failed, 2 usage error.`

const commands: ReadonlyArray<string> = ["validate", "plan", "apply", "run", "status", "sync", "history"]

/** Reads argv (without node and the script). Never throws: bad input is a UsageError. */
export const parseCliArgs = (argv: ReadonlyArray<string>): ParsedArgs => {
  const first = argv.find((a) => !a.startsWith("-"))
  try {
    if (first === "run") return parseRun(argv)
    if (first === "status") return parseStatus(argv)
    if (first === "sync") return parseSync(argv)
    if (first === "history") return parseHistory(argv)
    return parseOneShot(parse(argv))
  } catch (error) {
    return { _tag: "UsageError", message: error instanceof Error ? error.message : String(error) }
  }
}

const parseOneShot = (parsed: ReturnType<typeof parse>): ParsedArgs => {
  const { values, positionals } = parsed
  if (values.help) return { _tag: "Help", text: usage }
  if (values.version) return { _tag: "Version" }
  const [command, ...extra] = positionals
  if (command === undefined) return { _tag: "UsageError", message: "no command given" }
  if (!commands.includes(command)) {
    return {
      _tag: "UsageError",
      message: `unknown command "${command}" (expected one of: ${commands.join(", ")})`,
    }
  }
  if (extra.length > 0) return { _tag: "UsageError", message: `unexpected argument "${extra[0]}"` }
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency)
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    return {
      _tag: "UsageError",
      message: `--concurrency takes a whole number from 1 to 64, not "${values.concurrency}"`,
    }
  }
  if (values.wait === true && command !== "apply")
    return { _tag: "UsageError", message: `--wait goes with apply, not ${command}` }
  const leaseWait = durationFlag("lease-wait", values["lease-wait"], "60s", 0, 24 * 3600_000)
  if (typeof leaseWait === "string") return { _tag: "UsageError", message: leaseWait }
  const leaseExpiry = durationFlag("lease-expiry", values["lease-expiry"], "30s", 3000, 600_000)
  if (typeof leaseExpiry === "string") return { _tag: "UsageError", message: leaseExpiry }
  if (values.fleet !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(values.fleet)) {
    return {
      _tag: "UsageError",
      message: `--fleet "${values.fleet}" is not a valid fleet name: use lowercase letters, digits, "-" and "_", starting with a letter or digit`,
    }
  }
  const projects =
    values.projects ??
    (values.file === undefined
      ? process.env["FLEETD_PROJECTS"]?.split(",").filter((g) => g.trim() !== "")
      : undefined)
  const problem = projects === undefined ? undefined : patternProblem(parseProjectPatterns(projects))
  if (problem !== undefined) return { _tag: "UsageError", message: problem }
  if (values.projects !== undefined && values.file !== undefined)
    return { _tag: "UsageError", message: "give -f FILE or --projects GLOB, not both" }
  const swarm = values.swarm ?? swarmFromEnv(process.env["FLEETD_SWARM"])
  if (typeof swarm === "string") return { _tag: "UsageError", message: swarm }
  if (swarm && projects !== undefined && projects.length > 0)
    return {
      _tag: "UsageError",
      message:
        "the swarm target takes one manifest: give -f FILE, not --projects (projects on a swarm are not supported yet)",
    }
  if (projects !== undefined && projects.length > 0 && values.fleet !== undefined)
    return {
      _tag: "UsageError",
      message: "--fleet names one fleet; with --projects each project is named by its name: or its directory",
    }
  return {
    _tag: "Run",
    args: {
      command: command as Command,
      file: values.file ?? "fleet.yaml",
      fleet: values.fleet,
      json: values.json ?? false,
      allowEmpty: values["allow-empty"] ?? false,
      engine: values.engine,
      concurrency,
      wait: values.wait ?? false,
      policy: values.policy,
      profiles: values.profile ?? [],
      projects: projects !== undefined && projects.length > 0 ? projects : undefined,
      pruneProjects: values["prune-projects"] ?? false,
      localFiles: values["local-files"] ?? (process.env["FLEETD_LOCAL_FILES"] || undefined),
      leaseWait,
      leaseExpiry,
      swarm,
    },
  }
}

/** FLEETD_SWARM: `1`/`true` choose the swarm target, `0`/`false`/unset do not; else the usage error's message. */
export const swarmFromEnv = (value: string | undefined): boolean | string => {
  if (value === undefined || value === "" || value === "0" || value === "false") return false
  if (value === "1" || value === "true") return true
  return `FLEETD_SWARM="${value}": expected 1 or true (the swarm target), 0 or false`
}

/** A duration flag within [minMs, maxMs], or the usage error's message. */
const durationFlag = (
  flag: string,
  text: string | undefined,
  fallback: string,
  minMs: number,
  maxMs: number,
): Duration.Duration | string => {
  const nanos = parseDuration(text ?? fallback)
  if (nanos === undefined) return `--${flag}: expected ${durationHint}, not "${text}"`
  const ms = nanos / 1e6
  if (ms < minMs || ms > maxMs)
    return `--${flag} must be from ${Duration.format(Duration.millis(minMs))} to ${Duration.format(Duration.millis(maxMs))}`
  return Duration.millis(ms)
}

const parse = (argv: ReadonlyArray<string>) =>
  parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      file: { type: "string", short: "f" },
      fleet: { type: "string" },
      json: { type: "boolean" },
      "allow-empty": { type: "boolean" },
      engine: { type: "string" },
      concurrency: { type: "string" },
      wait: { type: "boolean" },
      policy: { type: "string" },
      profile: { type: "string", multiple: true },
      projects: { type: "string", multiple: true },
      "prune-projects": { type: "boolean" },
      "local-files": { type: "string" },
      "lease-wait": { type: "string" },
      "lease-expiry": { type: "string" },
      swarm: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  })

const rest = (positionals: ReadonlyArray<string>): ParsedArgs | undefined =>
  positionals.length > 1
    ? { _tag: "UsageError", message: `unexpected argument "${positionals[1]}"` }
    : undefined

const parseRun = (argv: ReadonlyArray<string>): ParsedArgs => {
  const options = Object.fromEntries(
    Object.keys(runFlags).map((flag) => [
      flag,
      booleanRunFlags.has(flag)
        ? ({ type: "boolean" } as const)
        : ({ type: "string", multiple: flag === "projects" || flag === "profile" } as const),
    ]),
  )
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: { ...options, help: { type: "boolean", short: "h" } },
  })
  if (values.help) return { _tag: "Help", text: usage }
  return rest(positionals) ?? { _tag: "Daemon", flags: values as RunFlags }
}

/** The daemon's address for status and sync: --url, else FLEETD_URL, else the default; or the usage error. */
const daemonUrl = (flag: string | undefined): string | ParsedArgs => {
  const url = flag ?? process.env["FLEETD_URL"] ?? "http://127.0.0.1:8080"
  return /^https?:\/\//.test(url)
    ? url
    : { _tag: "UsageError", message: `--url "${url}" must start with http:// or https://` }
}

/**
 * The arguments of a command that asks a running daemon (status, sync, history): --url,
 * --json and --help plus its own `options`; or the answer when that is help or a bad --url.
 */
const parseClient = (
  argv: ReadonlyArray<string>,
  options: Readonly<Record<string, { readonly type: "string" | "boolean" }>>,
) => {
  const { values: parsed, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      ...options,
      url: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  })
  const values: Readonly<Record<string, string | boolean | undefined>> = parsed
  if (values["help"] === true) return { _tag: "Help", text: usage } as const satisfies ParsedArgs
  const url = daemonUrl(typeof values["url"] === "string" ? values["url"] : undefined)
  if (typeof url !== "string") return url
  /** A string option's value (the parser already refused a wrong type). */
  const text = (name: string) => {
    const value = values[name]
    return typeof value === "string" ? value : undefined
  }
  return {
    positionals,
    url,
    json: values["json"] === true,
    text,
    flag: (name: string) => values[name] === true,
  }
}

const parseStatus = (argv: ReadonlyArray<string>): ParsedArgs => {
  const parsed = parseClient(argv, {})
  if ("_tag" in parsed) return parsed
  return rest(parsed.positionals) ?? { _tag: "Status", url: parsed.url, json: parsed.json }
}

const parseHistory = (argv: ReadonlyArray<string>): ParsedArgs => {
  const parsed = parseClient(argv, {
    source: { type: "string" },
    fleet: { type: "string" },
    limit: { type: "string" },
  })
  if ("_tag" in parsed) return parsed
  const [source, fleet, given] = [parsed.text("source"), parsed.text("fleet"), parsed.text("limit")]
  const limit = given === undefined ? undefined : Number(given)
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > maxHistoryPage))
    return {
      _tag: "UsageError",
      message: `--limit must be a whole number from 1 to ${maxHistoryPage}, not "${given}"`,
    }
  return (
    rest(parsed.positionals) ?? {
      _tag: "History",
      args: {
        url: parsed.url,
        json: parsed.json,
        ...(source === undefined ? {} : { source }),
        ...(fleet === undefined ? {} : { fleet }),
        ...(limit === undefined ? {} : { limit }),
      },
    }
  )
}

const parseSync = (argv: ReadonlyArray<string>): ParsedArgs => {
  const parsed = parseClient(argv, { wait: { type: "boolean" }, timeout: { type: "string" } })
  if ("_tag" in parsed) return parsed
  const { positionals, url } = parsed
  const [wait, given] = [parsed.flag("wait"), parsed.text("timeout")]
  if (given !== undefined) {
    const timeout = durationFlag("timeout", given, "5m", 1000, 30 * 60_000)
    if (typeof timeout === "string") return { _tag: "UsageError", message: timeout }
    if (!wait) return { _tag: "UsageError", message: "--timeout goes with --wait" }
  }
  // `fleetd sync [SOURCE]`: one source of a daemon run from a config file, else all.
  const [, source, ...extra] = positionals
  if (extra.length > 0) return { _tag: "UsageError", message: `unexpected argument "${extra[0]}"` }
  return {
    _tag: "Sync",
    args: {
      url,
      wait,
      json: parsed.json,
      timeout: given,
      ...(source === undefined ? {} : { source }),
    },
  }
}
