/**
 * The names a forge's payload gives for the repository a delivery is about: its
 * `owner/name` and its clone and web URLs, as many as the forge sends, so that one of
 * them matches however the operator wrote `webhook.repository` (`repositoryMatches`).
 * Read only from a body that was authenticated, leniently: a field of an unexpected
 * type is skipped, never a reason to refuse the delivery.
 */

// Bounds on what a sender can make fleetd keep and compare: a forge sends at most ten.
const maxNames = 16
const maxLength = 512
// Printable ASCII without spaces, which every forge's owner/name and clone URL is.
// Anything else (a newline or escape meant for a log line, a 10 kB "name") is dropped
// whole rather than mangled: a mangled name could match what the original did not.
const plausible = /^[\x21-\x7e]+$/

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The value at `path` through plain objects and own keys only (`__proto__` is just a key). */
const at = (json: unknown, ...path: ReadonlyArray<string>): unknown => {
  let value = json
  for (const key of path) {
    if (!isRecord(value) || !Object.hasOwn(value, key)) return undefined
    value = value[key]
  }
  return value
}

/** The usable names among `values`: strings that are plausible, distinct, in order, bounded. */
export const plausibleNames = (values: ReadonlyArray<unknown>): ReadonlyArray<string> => {
  const names: Array<string> = []
  for (const value of values) {
    if (names.length === maxNames) break
    if (
      typeof value === "string" &&
      value.length <= maxLength &&
      plausible.test(value) &&
      !names.includes(value)
    )
      names.push(value)
  }
  return names
}

/** Bitbucket Server: `PROJECT/slug`, then each clone link (`links.clone[].href`, https and ssh). */
const bitbucketServer = (repository: unknown): ReadonlyArray<unknown> => {
  const key = at(repository, "project", "key")
  const slug = at(repository, "slug")
  const clone = at(repository, "links", "clone")
  return [
    typeof key === "string" && typeof slug === "string" ? `${key}/${slug}` : undefined,
    ...(Array.isArray(clone) ? clone.slice(0, maxNames).map((link) => at(link, "href")) : []),
  ]
}

/** Per payload dialect; each takes the parsed body and returns `plausibleNames`, `owner/name` first. */
export const repositoryNames = {
  /** GitHub, Gitea and Forgejo: `repository` (of a pull_request event, the base repository). */
  github: (json: unknown): ReadonlyArray<string> => {
    const repository = at(json, "repository")
    return plausibleNames(
      ["full_name", "clone_url", "ssh_url", "git_url", "html_url"].map((key) => at(repository, key)),
    )
  },
  /** GitLab: `project` (of a merge request, the target project), and the older `repository`. */
  gitlab: (json: unknown): ReadonlyArray<string> => {
    const project = at(json, "project")
    const repository = at(json, "repository")
    return plausibleNames([
      ...["path_with_namespace", "git_http_url", "git_ssh_url", "web_url", "http_url", "ssh_url"].map((key) =>
        at(project, key),
      ),
      ...["git_http_url", "git_ssh_url", "homepage", "url"].map((key) => at(repository, key)),
    ])
  },
  /**
   * Bitbucket Cloud: `repository.full_name` and its web link (Cloud sends no clone URL).
   * Bitbucket Server: `repository` (of `pr:merged`, `pullRequest.toRef.repository`).
   */
  bitbucket: (json: unknown): ReadonlyArray<string> => {
    const repository = at(json, "repository") ?? at(json, "pullRequest", "toRef", "repository")
    return plausibleNames([
      at(repository, "full_name"),
      at(repository, "links", "html", "href"),
      ...bitbucketServer(repository),
    ])
  },
  /** The generic hook: an optional `"repository"` string in the body. */
  generic: (json: unknown): ReadonlyArray<string> => plausibleNames([at(json, "repository")]),
} as const
