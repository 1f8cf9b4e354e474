/**
 * The rules between a config file's fields that its Schema cannot say, each problem at
 * its position: one of repo or dir, branch or ref, path or projects; unique source
 * names; no two sources claiming the same fleet; a secret as a file or a variable,
 * never both. Pure: files and variables are read later, by loadConfigFile.ts.
 */
import { isAbsolute, normalize } from "node:path"
import type { ManifestIssue } from "../manifest/ManifestError.ts"
import { parseProjectPatterns, patternProblem } from "../manifest/projectGlob.ts"
import type { Located } from "../manifest/yamlDocument.ts"
import type { ConfigFile, SourceEntry } from "./ConfigFile.ts"

/** Where a source's manifests come from: two sources with the same origin claim the same fleets. */
const originOf = (s: SourceEntry): string =>
  JSON.stringify([
    s.repo ?? s.dir,
    s.ref ?? s.branch ?? "main",
    s.projects === undefined ? (s.path ?? "fleet.yaml") : [...s.projects].sort(),
  ])

const sourceIssues = (s: SourceEntry, at: (key: string, message: string) => ManifestIssue) => {
  const issues: Array<ManifestIssue> = []
  if ((s.repo === undefined) === (s.dir === undefined))
    issues.push(
      at(
        s.repo === undefined ? "name" : "dir",
        "give exactly one of repo: (git) or dir: (a local directory)",
      ),
    )
  if (s.branch !== undefined && s.ref !== undefined)
    issues.push(at("ref", "give branch: to follow or ref: to pin, not both"))
  if (s.dir !== undefined)
    for (const key of ["branch", "ref", "git", "verify_commits"] as const)
      if (s[key] !== undefined) issues.push(at(key, `${key}: is for a git repo:, not a dir:`))
  if (s.path !== undefined && s.projects !== undefined)
    issues.push(at("projects", "give path: (one manifest) or projects: (globs), not both"))
  if (s.path !== undefined && (isAbsolute(s.path) || normalize(s.path).startsWith("..")))
    issues.push(at("path", `"${s.path}" must be relative to the repository and stay inside it`))
  if (s.projects !== undefined) {
    const problem =
      s.projects.length === 0
        ? "list at least one glob, or leave projects: out"
        : patternProblem(parseProjectPatterns(s.projects))
    if (problem !== undefined) issues.push(at("projects", problem))
    if (s.fleet !== undefined)
      issues.push(
        at(
          "fleet",
          "fleet: names one fleet; with projects: each project is named by its name: or its directory",
        ),
      )
  }
  const both = (section: "git" | "webhook", stem: "token" | "secret") => {
    const value = s[section] as Record<string, unknown> | undefined
    if (value?.[`${stem}_file`] !== undefined && value[`${stem}_env`] !== undefined)
      issues.push(at(section, `give ${stem}_file: or ${stem}_env:, not both`))
  }
  both("git", "token")
  both("webhook", "secret")
  return issues
}

export const checkConfigFile = (config: ConfigFile, located: Located): ReadonlyArray<ManifestIssue> => {
  const issues: Array<ManifestIssue> = []
  if (config.sources.length === 0)
    issues.push(located.issueAt(["sources"], "list at least one source (name: and repo: or dir:)"))
  for (const [provider, secret] of Object.entries(config.webhooks ?? {}))
    if (secret?.secret_file !== undefined && secret.secret_env !== undefined)
      issues.push(
        located.issueAt(["webhooks", provider], "give secret_file: or secret_env:, not both", {
          onKey: true,
        }),
      )
  const notify = config.notify
  if (notify !== undefined && (notify.urls_file === undefined) === (notify.urls_env === undefined))
    issues.push(
      located.issueAt(["notify"], "give urls_file: or urls_env: (the URLs hold tokens), exactly one", {
        onKey: true,
      }),
    )
  const names = new Map<string, number>()
  const origins = new Map<string, number>()
  const fleets = new Map<string, number>()
  const line = (i: number) => located.issueAt(["sources", i], "").line
  for (const [i, s] of config.sources.entries()) {
    const at = (key: string, message: string) =>
      located.issueAt(["sources", i, key], message, { onKey: key !== "name" })
    issues.push(...sourceIssues(s, at))
    const claim = (seen: Map<string, number>, key: string, message: (first: string) => string) => {
      const first = seen.get(key)
      if (first === undefined) seen.set(key, i)
      else issues.push(at("name", message(`source "${config.sources[first]?.name}" (line ${line(first)})`)))
    }
    claim(
      names,
      s.name,
      (first) => `the name "${s.name}" is already ${first}'s: each source needs its own name`,
    )
    claim(
      origins,
      originOf(s),
      (first) =>
        `follows the same repository, revision and manifests as ${first}: the two would fight over its fleets`,
    )
    if (s.fleet !== undefined)
      claim(
        fleets,
        s.fleet,
        (first) => `claims the fleet "${s.fleet}", which ${first} claims: a fleet belongs to one source`,
      )
  }
  return issues.sort((a, b) => a.line - b.line || a.column - b.column)
}
