/**
 * Whether a delivery's repository is the one a source answers to at the shared
 * `/hooks/<provider>` URL. Forges spell one repository many ways (`acme/shop`,
 * `https://host/acme/shop.git`, `git@host:acme/shop.git`, `ssh://git@host:2222/acme/shop`),
 * so each side is reduced to a host (or none) and a path, and those are compared whole.
 *
 * The rule (docs/webhooks.md, "One URL for many sources"):
 * - Host and path are compared case-insensitively (forges are, on owner and name);
 *   scheme, `user@`, port, query, `.git` and leading or trailing `/` do not count.
 *   `ssh://git@host:2222/o/n`, `git@host:o/n.git` and `https://HOST/O/N/` are one repository.
 * - Paths are compared whole, never by suffix: `acme/shop` is `host/acme/shop` but not
 *   `host/evil/acme/shop`, and `shop` alone names no `acme/shop`. A GitLab subgroup is
 *   written whole: `group/sub/name`.
 * - A configured URL (with a host) matches a named URL only on the same host. It matches
 *   a bare `owner/name` only when the payload gives no URL at all (a generic hook's
 *   `"repository"`): a forge always sends its URLs, and they carry its host.
 * - A configured `owner/name` (no host) matches that path on any host.
 * - `file://` URLs and absolute paths compare by path, case kept (the file system's
 *   case counts), and never match a forge's name.
 */

interface Location {
  /** Lower-case host without user or port; undefined for a bare `owner/name` or a local path. */
  readonly host: string | undefined
  readonly path: string
  readonly local: boolean
}

const scheme = /^([a-z][a-z0-9+.-]*):\/\//i
// Git's scp-like syntax: `[user@]host:path`, a colon before any slash.
const scpLike = /^(?:[^@/]*@)?(\[[^\]/]*\]|[^:/]+):(.*)$/

/** Without leading and trailing slashes and a `.git` suffix. */
const trimPath = (path: string): string =>
  path
    .replace(/^\/+|\/+$/g, "")
    .replace(/\.git$/, "")
    .replace(/\/+$/, "")

/** `[user[:pw]@]host[:port]` → `host`, lower case; an IPv6 literal keeps its brackets. */
const hostOf = (authority: string): string => {
  const host = authority.slice(authority.lastIndexOf("@") + 1)
  const bare = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d*$/, "")
  return bare.toLowerCase()
}

const remote = (host: string, path: string): Location => ({
  host,
  path: trimPath(path.replace(/[?#].*$/, "")).toLowerCase(),
  local: false,
})

const locate = (text: string): Location => {
  const url = scheme.exec(text)
  if (url !== null) {
    const rest = text.slice(url[0].length)
    const slash = rest.indexOf("/")
    // file:///srv/x and file://localhost/srv/x: only the path counts.
    if (url[1]!.toLowerCase() === "file")
      return { host: undefined, path: slash < 0 ? "" : `/${trimPath(rest.slice(slash))}`, local: true }
    return slash < 0 ? remote(hostOf(rest), "") : remote(hostOf(rest.slice(0, slash)), rest.slice(slash))
  }
  if (text.startsWith("/")) return { host: undefined, path: `/${trimPath(text)}`, local: true }
  const scp = scpLike.exec(text)
  if (scp !== null) return remote(hostOf(scp[1]!), scp[2]!)
  return { host: undefined, path: trimPath(text).toLowerCase(), local: false }
}

const usable = (location: Location): boolean => location.path !== "" && location.path !== "/"

/**
 * True when `configured` (a source's `webhook.repository`, or its git `repo` URL) names
 * the same repository as one of `named` (what the payload gives, `Verdict.repository`).
 */
export const repositoryMatches = (configured: string, named: ReadonlyArray<string>): boolean => {
  // Only the operator's own value is trimmed: a named one is taken exactly as sent.
  const wanted = locate(configured.trim())
  if (!usable(wanted)) return false
  const given = named.map(locate).filter(usable)
  if (wanted.local) return given.some((n) => n.local && n.path === wanted.path)
  const remotes = given.filter((n) => !n.local)
  if (wanted.host === undefined) return remotes.some((n) => n.path === wanted.path)
  const hosted = remotes.filter((n) => n.host !== undefined)
  return hosted.length > 0
    ? hosted.some((n) => n.host === wanted.host && n.path === wanted.path)
    : remotes.some((n) => n.path === wanted.path)
}
