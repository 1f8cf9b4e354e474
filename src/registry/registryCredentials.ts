import { readFile } from "node:fs/promises"
import { homedir } from "node:os"
import { join } from "node:path"
import { Redacted } from "effect"

export interface RegistryCredentials {
  readonly username: string
  readonly password: Redacted.Redacted<string>
}

export interface CredentialSources {
  /** Usually process.env: DOCKER_CONFIG, HOME and the FLEETD_REGISTRY_* variables. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Reads a file, undefined when it does not exist (injected for tests). */
  readonly readText?: (path: string) => Promise<string | undefined>
}

const readIfExists = (path: string): Promise<string | undefined> =>
  readFile(path, "utf8").catch((error: NodeJS.ErrnoException) =>
    error.code === "ENOENT" ? undefined : Promise.reject(error),
  )

/** `https://index.docker.io/v1/`, `http://host:5000`, `host:5000/` → the bare registry name. */
const registryKey = (key: string): string => {
  const bare = key.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "")
  return bare === "index.docker.io" || bare === "registry-1.docker.io" ? "docker.io" : bare
}

interface AuthEntry {
  readonly auth?: unknown
  readonly username?: unknown
  readonly password?: unknown
}

const fromEntry = (entry: AuthEntry): RegistryCredentials | undefined => {
  if (typeof entry.username === "string" && typeof entry.password === "string" && entry.username !== "")
    return { username: entry.username, password: Redacted.make(entry.password) }
  if (typeof entry.auth === "string" && entry.auth !== "") {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8")
    const colon = decoded.indexOf(":")
    if (colon > 0)
      return { username: decoded.slice(0, colon), password: Redacted.make(decoded.slice(colon + 1)) }
  }
  return undefined
}

/**
 * The `auths` entry of a docker `config.json` for `registry`, if any. Credential
 * helpers (`credsStore`, `credHelpers`) are not run: fleetd runs no programs on the
 * host, so those logins need the FLEETD_REGISTRY_* variables instead.
 */
export const credentialsFromConfig = (
  configJson: string,
  registry: string,
): RegistryCredentials | undefined => {
  let parsed: unknown
  try {
    parsed = JSON.parse(configJson)
  } catch {
    return undefined
  }
  if (typeof parsed !== "object" || parsed === null || !("auths" in parsed)) return undefined
  const auths = parsed.auths
  if (typeof auths !== "object" || auths === null) return undefined
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    if (registryKey(key) !== registry || typeof entry !== "object" || entry === null) continue
    const found = fromEntry(entry as AuthEntry)
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * Credentials for one registry: `FLEETD_REGISTRY_USERNAME` and `FLEETD_REGISTRY_PASSWORD`
 * (or `_PASSWORD_FILE`) when `FLEETD_REGISTRY_HOST` names it (never sent to any other registry),
 * else the docker `config.json` in `$DOCKER_CONFIG` or `~/.docker`. Undefined: anonymous.
 */
export const lookupCredentials = async (
  registry: string,
  sources: CredentialSources,
): Promise<RegistryCredentials | undefined> => {
  const { env } = sources
  const read = sources.readText ?? readIfExists
  const host = env["FLEETD_REGISTRY_HOST"]
  const username = env["FLEETD_REGISTRY_USERNAME"]
  if (host !== undefined && registryKey(host) === registry && username) {
    const file = env["FLEETD_REGISTRY_PASSWORD_FILE"]
    // A password file ends with a newline more often than a password does.
    const password =
      file === undefined ? env["FLEETD_REGISTRY_PASSWORD"] : (await read(file))?.replace(/\r?\n$/, "")
    if (password !== undefined) return { username, password: Redacted.make(password) }
  }
  const dir = env["DOCKER_CONFIG"] || join(env["HOME"] || homedir(), ".docker")
  const text = await read(join(dir, "config.json")).catch(() => undefined)
  return text === undefined ? undefined : credentialsFromConfig(text, registry)
}

/** The `Authorization` value for Basic auth. */
export const basicAuthorization = (credentials: RegistryCredentials): string =>
  `Basic ${Buffer.from(`${credentials.username}:${Redacted.value(credentials.password)}`).toString("base64")}`
