/**
 * Reads the daemon's config file (`--config FILE`): parsed, decoded, checked, then
 * resolved into the settings of each source, every problem at its `file:line:col`.
 * Relative paths are from the file's directory; secrets are read from their files or
 * variables here, once, and kept Redacted.
 */
import { readFileSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { hostname } from "node:os"
import { dirname, join, resolve } from "node:path"
import { Data, Duration, Effect, Redacted } from "effect"
import { type WebhookProvider, webhookProviders } from "../domain/webhookProviders.ts"
import { parseDuration } from "../manifest/compose/duration.ts"
import { decodeLocated } from "../manifest/decodeLocated.ts"
import { formatManifestError, formatManifestIssue, type ManifestIssue } from "../manifest/ManifestError.ts"
import { type Located, parseYaml } from "../manifest/yamlDocument.ts"
import type { NotifySettings } from "../notify/NotifySettings.ts"
import { parseTargets } from "../notify/parseTargets.ts"
import { defaultNoticeOptions } from "../notify/stateChanges.ts"
import { loadPolicy } from "../policy/loadPolicy.ts"
import {
  ConfigFile,
  DaemonWebhooks,
  GitSettings,
  ProviderSecret,
  SourceEntry,
  WebhookSettings,
} from "./ConfigFile.ts"
import { checkConfigFile } from "./checkConfigFile.ts"
import type { DaemonSettings } from "./DaemonConfig.ts"
import { expandHostPlaceholders, type HostNames } from "./hostPlaceholders.ts"
import { checkLocalFilesDir, parseListenAddress } from "./operatorPaths.ts"

/** The config file cannot be read or is invalid; nothing starts (or, on reload, changes). */
export class ConfigFileError extends Data.TaggedError("ConfigFileError")<{
  readonly file: string
  readonly issues: ReadonlyArray<ManifestIssue>
}> {
  override get message(): string {
    return `${formatManifestError(this)}\nthe config file ${this.file} is invalid: fix it and start fleetd (or send SIGHUP) again`
  }
}

/** One source of the file, with everything its loop needs. */
export interface ConfiguredSource {
  readonly name: string
  /** As `fleetd run`'s flags would give them for this source alone; its own data directory. */
  readonly settings: DaemonSettings
  /**
   * The repository deliveries at the shared /hooks/<provider> URL must name to reach it:
   * `webhook.repository`, else its git `repo`. Undefined (a dir source, or fleetd run from
   * flags): any delivery its secret authenticates.
   */
  readonly webhookRepository: string | undefined
  /** Remove its containers when it leaves the file. */
  readonly prune: boolean
}

export interface LoadedConfig {
  readonly file: string
  readonly sources: ReadonlyArray<ConfiguredSource>
}

const keysOf = (path: ReadonlyArray<PropertyKey>): string | undefined => {
  const fields =
    path.length === 1
      ? ConfigFile.fields
      : path[0] === "webhooks"
        ? path.length === 2
          ? DaemonWebhooks.fields
          : ProviderSecret.fields
        : path.length === 3
          ? SourceEntry.fields
          : path[2] === "git"
            ? GitSettings.fields
            : path[2] === "webhook"
              ? WebhookSettings.fields
              : undefined
  return fields === undefined ? undefined : `allowed here: ${Object.keys(fields).join(", ")}`
}

/**
 * The sources with `{hostname}` and `{host}` in their `path:` and `projects:` replaced,
 * so the checks that follow (inside the repository, two sources on one folder) see the
 * folders really followed; or the issues, at the values that could not be expanded.
 */
const expandHostNames = (config: ConfigFile, names: HostNames, located: Located) => {
  const issues: Array<ManifestIssue> = []
  const expand = (text: string, at: ReadonlyArray<string | number>) => {
    const expanded = expandHostPlaceholders(text, names)
    if ("text" in expanded) return expanded.text
    issues.push(located.issueAt(at, expanded.problem))
    return text
  }
  const sources = config.sources.map((s, i) => ({
    ...s,
    ...(s.path === undefined ? {} : { path: expand(s.path, ["sources", i, "path"]) }),
    ...(s.projects === undefined
      ? {}
      : { projects: s.projects.map((glob, j) => expand(glob, ["sources", i, "projects", j])) }),
  }))
  return issues.length > 0 ? issues : { ...config, sources }
}

/**
 * The file's text → the decoded, checked file, or every issue with its position. Pure
 * but for the default of `machine`, the host name `{hostname}` stands for.
 */
export const configFromText = (
  text: string,
  machine: string = hostname(),
): { readonly config: ConfigFile; readonly located: Located } | ReadonlyArray<ManifestIssue> => {
  const parsed = parseYaml(text)
  if ("issues" in parsed)
    return parsed.issues.map((i) =>
      i.message.startsWith("the top level must be a mapping") || i.message.startsWith("the manifest is empty")
        ? { ...i, message: "the config file must be a mapping with a sources: list" }
        : i,
    )
  const decoded = decodeLocated(ConfigFile, parsed.located, { noun: "config", knownKeys: keysOf })
  if (Array.isArray(decoded)) return decoded as ReadonlyArray<ManifestIssue>
  const expanded = expandHostNames(
    decoded as ConfigFile,
    { hostname: machine, host: (decoded as ConfigFile).host_name },
    parsed.located,
  )
  if (Array.isArray(expanded)) return expanded
  const config = expanded as ConfigFile
  const issues = checkConfigFile(config, parsed.located)
  return issues.length > 0 ? issues : { config, located: parsed.located }
}

/** A secret from a file or an environment variable; undefined when neither is set. */
const readSecret = (
  file: string | undefined,
  variable: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { readonly value: Redacted.Redacted<string> | undefined } | { readonly problem: string } => {
  if (variable !== undefined) {
    const value = env[variable]
    return value === undefined || value === ""
      ? { problem: `the variable ${variable} is not set (or empty) in fleetd's environment` }
      : { value: Redacted.make(value) }
  }
  if (file === undefined) return { value: undefined }
  try {
    const value = readFileSync(file, "utf8").replace(/\r?\n$/, "")
    return value === "" ? { problem: `${file} is empty` } : { value: Redacted.make(value) }
  } catch (e) {
    return { problem: `cannot read ${file}: ${(e as Error).message}` }
  }
}

/**
 * The `notify:` section → the daemon's notification settings, or undefined after
 * reporting a problem at its key (`urls_file` or `urls_env`).
 */
const notifyOf = (
  section: ConfigFile["notify"],
  path: (value: string) => string,
  env: Readonly<Record<string, string | undefined>>,
  problem: (key: string, message: string) => void,
): NotifySettings | undefined => {
  if (section === undefined) return undefined
  // Neither or both: checkConfigFile reported it.
  if ((section.urls_file === undefined) === (section.urls_env === undefined)) return undefined
  const key = section.urls_env === undefined ? "urls_file" : "urls_env"
  const read = readSecret(
    section.urls_file === undefined ? undefined : path(section.urls_file),
    section.urls_env,
    env,
  )
  if ("problem" in read) return void problem(key, read.problem)
  const parsed = parseTargets(Redacted.value(read.value ?? Redacted.make("")))
  if ("problem" in parsed) return void problem(key, parsed.problem)
  return {
    targets: parsed.targets,
    notice: {
      onApplied: section.on_applied ?? defaultNoticeOptions.onApplied,
      failingAfterMs:
        section.fetch_failing_after === undefined
          ? defaultNoticeOptions.failingAfterMs
          : (parseDuration(section.fetch_failing_after) ?? 0) / 1e6,
    },
  }
}

/**
 * Loads and resolves the config file. `env` supplies `*_env` secrets and COMPOSE_PROFILES
 * is not read from it: a source's profiles are its own.
 */
export const loadConfigFile = (file: string, env: Readonly<Record<string, string | undefined>>) =>
  Effect.gen(function* () {
    const fail = (issues: ReadonlyArray<ManifestIssue>) => Effect.fail(new ConfigFileError({ file, issues }))
    const text = yield* Effect.tryPromise({
      try: () => readFile(file, "utf8"),
      catch: (e) =>
        new ConfigFileError({
          file,
          issues: [
            { line: 1, column: 1, path: "", message: `cannot read the config file: ${(e as Error).message}` },
          ],
        }),
    })
    const result = configFromText(text)
    if (Array.isArray(result)) return yield* fail(result as ReadonlyArray<ManifestIssue>)
    const { config, located } = result as Exclude<typeof result, ReadonlyArray<ManifestIssue>>
    const base = dirname(resolve(file))
    const path = (value: string) => resolve(base, value)
    const dataDir = path(config.data_dir ?? ".fleetd")
    const issues: Array<ManifestIssue> = []
    const sources: Array<ConfiguredSource> = []
    // The daemon-wide secret of each provider that has one: it wins over a source's own.
    const daemonSecrets: Partial<Record<WebhookProvider, Redacted.Redacted<string>>> = {}
    for (const [provider, given] of Object.entries(config.webhooks ?? {})) {
      const read = readSecret(
        given?.secret_file === undefined ? undefined : path(given.secret_file),
        given?.secret_env,
        env,
      )
      if ("problem" in read)
        issues.push(
          located.issueAt(
            ["webhooks", provider, given?.secret_env === undefined ? "secret_file" : "secret_env"],
            read.problem,
          ),
        )
      else if (read.value !== undefined) daemonSecrets[provider as WebhookProvider] = read.value
    }
    const notify = notifyOf(config.notify, path, env, (key, message) =>
      issues.push(located.issueAt(["notify", key], message)),
    )
    for (const [i, s] of config.sources.entries()) {
      const at = (keys: ReadonlyArray<string>, message: string) =>
        issues.push(located.issueAt(["sources", i, ...keys], message))
      const secret = (section: "git" | "webhook", stem: "token" | "secret") => {
        const value = s[section] as Record<string, string | undefined> | undefined
        const fileName = value?.[`${stem}_file`]
        const read = readSecret(
          fileName === undefined ? undefined : path(fileName),
          value?.[`${stem}_env`],
          env,
        )
        if ("problem" in read) {
          at([section, value?.[`${stem}_env`] === undefined ? `${stem}_file` : `${stem}_env`], read.problem)
          return undefined
        }
        return read.value
      }
      const token = secret("git", "token")
      const webhookSecret = secret("webhook", "secret")
      const ownData = join(dataDir, "sources", s.name)
      let localFiles: string | undefined
      if (s.local_files !== undefined) {
        const checked = checkLocalFilesDir(path(s.local_files), ownData)
        if ("problem" in checked) at(["local_files"], checked.problem)
        else localFiles = checked.dir
      }
      const policy =
        s.policy === undefined
          ? undefined
          : yield* loadPolicy(path(s.policy)).pipe(
              Effect.catch((e) => {
                at(
                  ["policy"],
                  `the policy is invalid: ${e.issues.map((i) => formatManifestIssue(e.file, i)).join("; ")}`,
                )
                return Effect.succeed(undefined)
              }),
            )
      const interval = Duration.millis((parseDuration(s.interval ?? "60s") ?? 0) / 1e6)
      if (Duration.toMillis(interval) < 1000) at(["interval"], "the poll interval must be at least 1s")
      const webhookSecrets = {
        ...Object.fromEntries(
          webhookSecret === undefined ? [] : webhookProviders.map((p) => [p, webhookSecret]),
        ),
        ...daemonSecrets,
      }
      sources.push({
        name: s.name,
        webhookRepository: s.webhook?.repository ?? s.repo,
        prune: s.prune ?? false,
        settings: {
          source:
            s.repo !== undefined
              ? {
                  _tag: "Git",
                  repo: s.repo,
                  branch: s.branch ?? "main",
                  ref: s.ref,
                  sshKeyFile: s.git?.ssh_key_file === undefined ? undefined : path(s.git.ssh_key_file),
                  knownHostsFile:
                    s.git?.known_hosts_file === undefined ? undefined : path(s.git.known_hosts_file),
                  httpsToken: token,
                  ...(s.verify_commits === undefined ? {} : { verifyCommits: path(s.verify_commits) }),
                  timeout: Duration.millis((parseDuration(s.git?.timeout ?? "60s") ?? 0) / 1e6),
                }
              : { _tag: "Dir", dir: path(s.dir ?? ".") },
          path: s.path ?? "fleet.yaml",
          ...(s.projects === undefined ? {} : { projects: s.projects }),
          pruneProjects: s.prune_projects ?? false,
          fleet: s.fleet,
          interval,
          listen: parseListenAddress(config.listen ?? "127.0.0.1:8080") ?? { host: "127.0.0.1", port: 8080 },
          dataDir: ownData,
          ...(config.history === undefined ? {} : { history: config.history }),
          engine: config.engine,
          ...(localFiles === undefined ? {} : { localFiles }),
          profiles: s.profiles ?? [],
          allowEmpty: s.allow_empty ?? false,
          concurrency: config.concurrency ?? 4,
          ...(policy === undefined ? {} : { policy }),
          webhookSecrets,
          webhookMaxBytes: config.webhook_max_bytes ?? 5 * 1024 * 1024,
          ...(notify === undefined ? {} : { notify }),
          ...(config.public_url === undefined ? {} : { publicUrl: config.public_url }),
          logLevel: config.log_level ?? "info",
          logFormat: config.log_format ?? "json",
        },
      })
    }
    if (issues.length > 0) return yield* fail(issues.sort((a, b) => a.line - b.line || a.column - b.column))
    return { file, sources } satisfies LoadedConfig
  })
