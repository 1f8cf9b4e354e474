/**
 * Up-front checks on what the operator configured, before any git process runs. A
 * value starting with `-` would be read by git as an option (`--upload-pack=...`
 * runs a command), so it is refused here, and `--` still precedes every positional.
 */
import type { SourceConfig } from "../domain/SourceConfig.ts"
import { redactUrl } from "./redactUrl.ts"

export type GitConfig = Extract<SourceConfig, { readonly _tag: "Git" }>

/** Transports git runs without a helper we would have to trust; `ext::` and `fd::` run commands. */
const schemes = new Set(["https", "http", "ssh", "git+ssh", "ssh+git", "git", "file"])

/** `ssh://…`, or scp-like `[user@]host:path` (a colon before any slash, no `::`). */
export const isSshUrl = (url: string): boolean => {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase()
  if (scheme !== undefined) return scheme === "ssh" || scheme === "git+ssh" || scheme === "ssh+git"
  const colon = url.indexOf(":")
  const slash = url.indexOf("/")
  return colon > 0 && (slash === -1 || colon < slash) && !url.includes("::")
}

const hasControlCharacter = (text: string): boolean =>
  Array.from(text).some((c) => {
    const code = c.charCodeAt(0)
    return code < 0x20 || code === 0x7f
  })

/** The rules of `git check-ref-format` for one full name (`--branch` adds "no leading -"). */
export const refFormatProblem = (name: string): string | undefined => {
  if (name === "") return "is empty"
  if (name.startsWith("-")) return "starts with '-' (git would read it as an option)"
  if (name === "@") return "is '@'"
  if (hasControlCharacter(name) || /[ ~^:?*[\\]/.test(name))
    return "contains a space, a control character or one of ~ ^ : ? * [ \\"
  if (name.includes("..")) return "contains '..'"
  if (name.includes("@{")) return "contains '@{'"
  if (name.startsWith("/") || name.endsWith("/") || name.includes("//"))
    return "has an empty path component (leading, trailing or double '/')"
  if (name.endsWith(".")) return "ends with '.'"
  for (const component of name.split("/")) {
    if (component.startsWith(".")) return "has a path component starting with '.'"
    if (component.endsWith(".lock")) return "has a path component ending with '.lock'"
  }
  return undefined
}

const urlProblem = (url: string): string | undefined => {
  if (url === "") return "is empty"
  if (url.startsWith("-")) return "starts with '-' (git would read it as an option)"
  if (hasControlCharacter(url)) return "contains a control character"
  if (url.includes("::")) return "uses a remote helper (transport::address), which fleetd does not run"
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase()
  if (scheme !== undefined && !schemes.has(scheme))
    return `uses the unsupported scheme ${scheme}:// (use https://, ssh://, git:// or file://)`
  return undefined
}

/** What is wrong with the configuration, for the operator, or undefined when git may run. */
export const checkGitInputs = (config: GitConfig): string | undefined => {
  const shown = redactUrl(config.repo)
  const url = urlProblem(config.repo)
  if (url !== undefined) return `the repository URL (--repo) ${JSON.stringify(shown)} ${url}`
  // The branch is checked even when a ref pins the revision: a bad value is a config mistake either way.
  const branch = refFormatProblem(config.branch)
  if (branch !== undefined) return `the branch (--branch) ${JSON.stringify(config.branch)} ${branch}`
  const ref = config.ref === undefined ? undefined : refFormatProblem(config.ref)
  if (ref !== undefined) return `the pinned ref (--ref) ${JSON.stringify(config.ref)} ${ref}`
  if (isSshUrl(config.repo) && config.knownHostsFile === undefined)
    return `the SSH repository ${shown} needs a pinned host key: pass --known-hosts FILE (a known_hosts line for the server, checked out of band); host-key checking is always on`
  if (config.httpsToken !== undefined && /^http:\/\//i.test(config.repo))
    return `refusing to send the HTTPS token over plain http:// to ${shown}; use an https:// URL`
  return undefined
}
