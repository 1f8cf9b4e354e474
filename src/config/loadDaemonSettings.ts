import { readFileSync } from "node:fs"
import { hostname } from "node:os"
import { isAbsolute, normalize, resolve } from "node:path"
import { Config, ConfigProvider, Data, Duration, Effect, Option, Redacted } from "effect"
import { type WebhookProvider, webhookProviders } from "../domain/webhookProviders.ts"
import { durationHint, parseDuration } from "../manifest/compose/duration.ts"
import { parseProjectPatterns, patternProblem } from "../manifest/projectGlob.ts"
import { parseTargets } from "../notify/parseTargets.ts"
import { defaultNoticeOptions } from "../notify/stateChanges.ts"
import { loadPolicy } from "../policy/loadPolicy.ts"
import type { DaemonSettings } from "./DaemonConfig.ts"
import { expandHostPlaceholders } from "./hostPlaceholders.ts"
import { checkLocalFilesDir, listenHint, parseListenAddress, publicUrlPattern } from "./operatorPaths.ts"
import { type RunFlags, runFlags } from "./runFlags.ts"

/** A setting that is missing, malformed or contradicts another: a usage error (exit 2). */
export class SettingsError extends Data.TaggedError("SettingsError")<{ readonly message: string }> {}

const flagOf = (variable: string) => Object.entries(runFlags).find(([, v]) => v === variable)?.[0]

/** `FLEETD_INTERVAL (--interval): expected ...`, from Effect's schema error text. */
const describeConfigError = (message: string) => {
  const variable = /at \["(FLEETD_[A-Z_]+)"\]/.exec(message)?.[1]
  const expected = /Expected ([^\n]*)/.exec(message)?.[1] ?? message
  if (variable === undefined) return message
  const flag = flagOf(variable)
  return `${variable}${flag === undefined ? "" : ` (--${flag})`}: expected ${expected}`
}

const optional = <A>(config: Config.Config<A>) =>
  Config.option(config).pipe(Config.map(Option.getOrUndefined))

/** A secret from VAR, or from the file VAR_FILE names (trailing newline dropped); never both. */
export const secret = (name: string, env: Readonly<Record<string, string | undefined>>) => {
  const direct = env[name]
  const file = env[`${name}_FILE`]
  if (direct !== undefined && file !== undefined)
    return Effect.fail(new SettingsError({ message: `set ${name} or ${name}_FILE, not both` }))
  if (file === undefined)
    return Effect.succeed(direct === undefined || direct === "" ? undefined : Redacted.make(direct))
  return Effect.try({
    try: () => readFileSync(file, "utf8").replace(/\r?\n$/, ""),
    catch: (e) =>
      new SettingsError({ message: `${name}_FILE: cannot read ${file}: ${(e as Error).message}` }),
  }).pipe(
    Effect.flatMap((value) =>
      value === ""
        ? Effect.fail(new SettingsError({ message: `${name}_FILE: ${file} is empty` }))
        : Effect.succeed(Redacted.make(value)),
    ),
  )
}

const parseListen = (value: string) => {
  const address = parseListenAddress(value)
  return address === undefined
    ? Effect.fail(new SettingsError({ message: `--listen "${value}" ${listenHint}` }))
    : Effect.succeed(address)
}

const checkLocalFiles = (value: string | undefined, dataDir: string) => {
  if (value === undefined || value === "") return Effect.succeed(undefined)
  const checked = checkLocalFilesDir(resolve(value), dataDir)
  return "problem" in checked
    ? Effect.fail(new SettingsError({ message: `--local-files (FLEETD_LOCAL_FILES) ${checked.problem}` }))
    : Effect.succeed(checked.dir)
}

/**
 * The daemon's settings: each flag wins over its FLEETD_* variable, which wins over the
 * default. Secrets (git token, webhook secrets) come only from the environment or
 * from files, never from flags, which any user can read in the process list.
 */
export const loadDaemonSettings = (flags: RunFlags, env: Readonly<Record<string, string | undefined>>) =>
  Effect.gen(function* () {
    const merged: Record<string, string | undefined> = { ...env }
    for (const [flag, variable] of Object.entries(runFlags)) {
      const value = flags[flag as keyof RunFlags]
      if (value !== undefined)
        merged[variable] =
          typeof value === "boolean" ? String(value) : typeof value === "string" ? value : value.join(",")
    }
    const provider = ConfigProvider.fromEnvRecord(merged)
    const read = <A>(config: Config.Config<A>) =>
      config
        .parse(provider)
        .pipe(Effect.mapError((e) => new SettingsError({ message: describeConfigError(e.message) })))

    /** Compose-style durations (`30s`, `1m30s`), as fleet.yaml writes them. */
    const readDuration = (name: string, fallback: string) =>
      read(Config.String(name).pipe(Config.withDefault(fallback))).pipe(
        Effect.flatMap((text) => {
          const nanos = parseDuration(text)
          const flag = flagOf(name)
          return nanos === undefined
            ? Effect.fail(
                new SettingsError({
                  message: `${name}${flag ? ` (--${flag})` : ""}: expected ${durationHint}, not "${text}"`,
                }),
              )
            : Effect.succeed(Duration.millis(nanos / 1e6))
        }),
      )
    const repo = yield* read(optional(Config.String("FLEETD_REPO")))
    const dir = yield* read(optional(Config.String("FLEETD_DIR")))
    if ((repo === undefined) === (dir === undefined)) {
      return yield* new SettingsError({
        message: "give exactly one source: --repo URL (git) or --dir PATH (a local directory)",
      })
    }
    const verifyCommits = yield* read(optional(Config.String("FLEETD_VERIFY_COMMITS")))
    if (verifyCommits !== undefined && repo === undefined)
      return yield* new SettingsError({
        message: "--verify-commits (FLEETD_VERIFY_COMMITS) checks git signatures: it needs --repo, not --dir",
      })
    const hostNames = { hostname: hostname(), host: merged["FLEETD_HOST_NAME"] }
    const expand = (text: string, flag: string) => {
      const expanded = expandHostPlaceholders(text, hostNames)
      return "problem" in expanded
        ? Effect.fail(new SettingsError({ message: `${flag} "${text}": ${expanded.problem}` }))
        : Effect.succeed(expanded.text)
    }
    const path = yield* expand(
      yield* read(Config.String("FLEETD_PATH").pipe(Config.withDefault("fleet.yaml"))),
      "--path",
    )
    const projects = yield* Effect.forEach(
      merged["FLEETD_PROJECTS"]?.split(",").filter((g) => g.trim() !== "") ?? [],
      (glob) => expand(glob, "--projects"),
    )
    if (projects.length > 0) {
      const problem = patternProblem(parseProjectPatterns(projects))
      if (problem !== undefined) return yield* new SettingsError({ message: problem })
      if (merged["FLEETD_PATH"] !== undefined)
        return yield* new SettingsError({ message: "give --path FILE or --projects GLOB, not both" })
      if (merged["FLEETD_FLEET"] !== undefined)
        return yield* new SettingsError({
          message:
            "--fleet names one fleet; with --projects each project is named by its name: or its directory",
        })
    }
    if (isAbsolute(path) || normalize(path).startsWith("..")) {
      return yield* new SettingsError({
        message: `--path "${path}" must be relative to the repository and stay inside it`,
      })
    }
    const webhookSecrets: Partial<Record<WebhookProvider, Redacted.Redacted<string>>> = {}
    const shared = yield* secret("FLEETD_WEBHOOK_SECRET", merged)
    for (const provider of webhookProviders) {
      const own = yield* secret(`FLEETD_WEBHOOK_SECRET_${provider.toUpperCase()}`, merged)
      const value = own ?? shared
      if (value !== undefined) webhookSecrets[provider] = value
    }
    const apiToken = yield* secret("FLEETD_API_TOKEN", merged)
    const notifyUrls = yield* secret("FLEETD_NOTIFY_URLS", merged)
    const notify = notifyUrls === undefined ? undefined : parseTargets(Redacted.value(notifyUrls))
    if (notify !== undefined && "problem" in notify)
      return yield* new SettingsError({ message: `FLEETD_NOTIFY_URLS: ${notify.problem}` })
    const publicUrl = yield* read(optional(Config.String("FLEETD_PUBLIC_URL")))
    if (publicUrl !== undefined && !publicUrlPattern.test(publicUrl))
      return yield* new SettingsError({
        message: `FLEETD_PUBLIC_URL: expected http(s)://HOST[:PORT][/PATH] (the address users open), not "${publicUrl}"`,
      })
    const uiToken = yield* secret("FLEETD_UI_TOKEN", merged)
    // Read once at start-up: the policy is the operator's, and a broken one stops fleetd.
    const policy = yield* loadPolicy(yield* read(optional(Config.String("FLEETD_POLICY")))).pipe(
      Effect.mapError((e) => new SettingsError({ message: `--policy (FLEETD_POLICY): ${e.message}` })),
    )
    const dataDir = resolve(yield* read(Config.String("FLEETD_DATA_DIR").pipe(Config.withDefault(".fleetd"))))
    const localFiles = yield* checkLocalFiles(
      yield* read(optional(Config.String("FLEETD_LOCAL_FILES"))),
      dataDir,
    )
    const settings: DaemonSettings = {
      source:
        repo !== undefined
          ? {
              _tag: "Git",
              repo,
              branch: yield* read(Config.String("FLEETD_BRANCH").pipe(Config.withDefault("main"))),
              ref: yield* read(optional(Config.String("FLEETD_REF"))),
              sshKeyFile: yield* read(optional(Config.String("FLEETD_SSH_KEY"))),
              knownHostsFile: yield* read(optional(Config.String("FLEETD_KNOWN_HOSTS"))),
              httpsToken: yield* secret("FLEETD_GIT_TOKEN", merged),
              timeout: yield* readDuration("FLEETD_GIT_TIMEOUT", "60s"),
              // Absolute: git runs in the checkout, not in fleetd's working directory.
              ...(verifyCommits === undefined ? {} : { verifyCommits: resolve(verifyCommits) }),
            }
          : { _tag: "Dir", dir: resolve(dir ?? ".") },
      path,
      ...(projects.length > 0 ? { projects } : {}),
      pruneProjects: yield* read(Config.Boolean("FLEETD_PRUNE_PROJECTS").pipe(Config.withDefault(false))),
      fleet: yield* read(optional(Config.String("FLEETD_FLEET"))),
      interval: yield* readDuration("FLEETD_INTERVAL", "60s"),
      leaseExpiry: yield* readDuration("FLEETD_LEASE_EXPIRY", "30s"),
      listen: yield* parseListen(
        yield* read(Config.String("FLEETD_LISTEN").pipe(Config.withDefault("127.0.0.1:8080"))),
      ),
      dataDir,
      history: yield* read(Config.Int("FLEETD_HISTORY").pipe(Config.withDefault(500))),
      engine: yield* read(optional(Config.String("FLEETD_ENGINE"))),
      ...(localFiles === undefined ? {} : { localFiles }),
      profiles: (merged["COMPOSE_PROFILES"] ?? "")
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p !== ""),
      allowEmpty: yield* read(Config.Boolean("FLEETD_ALLOW_EMPTY").pipe(Config.withDefault(false))),
      ...((yield* read(Config.Boolean("FLEETD_SWARM").pipe(Config.withDefault(false))))
        ? { swarm: true }
        : {}),
      concurrency: yield* read(Config.Int("FLEETD_CONCURRENCY").pipe(Config.withDefault(4))),
      policy,
      webhookSecrets,
      ...(apiToken === undefined ? {} : { apiToken }),
      ...(notify === undefined ? {} : { notify: { targets: notify.targets, notice: defaultNoticeOptions } }),
      ...(publicUrl === undefined ? {} : { publicUrl }),
      ...(uiToken === undefined ? {} : { uiToken }),
      webhookMaxBytes: yield* read(
        Config.Int("FLEETD_WEBHOOK_MAX_BYTES").pipe(Config.withDefault(5 * 1024 * 1024)),
      ),
      logLevel: yield* read(
        Config.Literals(["debug", "info", "warn", "error"], "FLEETD_LOG_LEVEL").pipe(
          Config.withDefault("info" as const),
        ),
      ),
      logFormat: yield* read(
        Config.Literals(["json", "pretty"], "FLEETD_LOG_FORMAT").pipe(
          Config.withDefault(process.stderr.isTTY ? ("pretty" as const) : ("json" as const)),
        ),
      ),
    }
    if (Duration.toMillis(settings.interval) < 1000) {
      return yield* new SettingsError({ message: "--interval must be at least 1s" })
    }
    const expiry = Duration.toMillis(settings.leaseExpiry ?? Duration.zero)
    if (expiry < 3000 || expiry > 600_000) {
      return yield* new SettingsError({ message: "--lease-expiry must be from 3s to 10m" })
    }
    if (settings.history !== undefined && (settings.history < 1 || settings.history > 100_000)) {
      return yield* new SettingsError({ message: "--history takes a whole number from 1 to 100000" })
    }
    if (settings.swarm === true && settings.projects !== undefined) {
      return yield* new SettingsError({
        message:
          "--swarm (FLEETD_SWARM) takes one manifest (--path): projects on a swarm are not supported yet",
      })
    }
    if (settings.concurrency < 1 || settings.concurrency > 64) {
      return yield* new SettingsError({ message: "--concurrency takes a whole number from 1 to 64" })
    }
    return settings
  })
