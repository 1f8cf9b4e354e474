import { hostname } from "node:os"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { parseCliArgs } from "../../../src/cli/parseCliArgs.ts"
import { expandHostPlaceholders } from "../../../src/config/hostPlaceholders.ts"
import { configFromText } from "../../../src/config/loadConfigFile.ts"
import { loadDaemonSettings } from "../../../src/config/loadDaemonSettings.ts"
import { formatManifestIssue, type ManifestIssue } from "../../../src/manifest/ManifestError.ts"

describe("expandHostPlaceholders", () => {
  it.each([
    ["hosts/{hostname}/fleet.yaml", { hostname: "nas" }, "hosts/nas/fleet.yaml"],
    ["hosts/{host}/fleet.yaml", { hostname: "nas", host: "edge-1" }, "hosts/edge-1/fleet.yaml"],
    ["{host}/{hostname}/{host}", { hostname: "a.lan", host: "b" }, "b/a.lan/b"],
    // Glob alternations and unknown words are not placeholders.
    ["hosts/{a,b}/*", { hostname: "nas" }, "hosts/{a,b}/*"],
    ["x/{hostnames}/{HOST}", { hostname: "nas" }, "x/{hostnames}/{HOST}"],
    ["fleet.yaml", { hostname: "" }, "fleet.yaml"],
  ])("%s with %j is %s", (text, names, expected) => {
    expect(expandHostPlaceholders(text, names)).toEqual({ text: expected })
  })

  it.each([
    ["hosts/{host}", { hostname: "nas" }, "{host} needs the host's name: give --host-name NAME"],
    ["hosts/{host}", { hostname: "nas", host: ".." }, `{host}: the host name ".." is not a directory name`],
    ["hosts/{host}", { hostname: "nas", host: "a/b" }, `{host}: the host name "a/b" holds a path separator`],
    ["hosts/{host}", { hostname: "nas", host: "" }, "{host}: the host name is empty"],
    ["hosts/{hostname}", { hostname: "" }, "{hostname}: the machine's host name is empty; give --host-name"],
  ])("refuses %s with %j", (text, names, problem) => {
    const result = expandHostPlaceholders(text, names)
    expect("problem" in result && result.problem).toContain(problem)
  })
})

const settings = (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const parsed = parseCliArgs(["run", "--dir", ".", ...argv])
  if (parsed._tag !== "Daemon") throw new Error(JSON.stringify(parsed))
  return Effect.runSync(Effect.result(loadDaemonSettings(parsed.flags, env)))
}

describe("fleetd run with a folder per host", () => {
  it("follows hosts/{hostname}/ and hosts/{host}/ of the repository", () => {
    const path = (r: ReturnType<typeof settings>) => (r._tag === "Success" ? r.success.path : r)
    const projects = (r: ReturnType<typeof settings>) => (r._tag === "Success" ? r.success.projects : r)
    expect(path(settings(["--path", "hosts/{hostname}/fleet.yaml"]))).toBe(`hosts/${hostname()}/fleet.yaml`)
    expect(path(settings(["--path", "hosts/{host}/fleet.yaml", "--host-name", "edge"]))).toBe(
      "hosts/edge/fleet.yaml",
    )
    expect(path(settings(["--path", "hosts/{host}/fleet.yaml"], { FLEETD_HOST_NAME: "edge" }))).toBe(
      "hosts/edge/fleet.yaml",
    )
    expect(projects(settings(["--projects", "hosts/{host}/*", "--host-name", "edge"]))).toEqual([
      "hosts/edge/*",
    ])
  })

  it("refuses {host} without a host name, and a name that would leave the folder", () => {
    const message = (r: ReturnType<typeof settings>) => (r._tag === "Failure" ? r.failure.message : r)
    expect(message(settings(["--path", "hosts/{host}/fleet.yaml"]))).toMatch(
      /^--path "hosts\/\{host\}\/fleet.yaml": \{host\} needs the host's name: give --host-name NAME/,
    )
    expect(message(settings(["--projects", "hosts/{host}/*", "--host-name", ".."]))).toMatch(
      /^--projects "hosts\/\{host\}\/\*": \{host\}: the host name ".." is not a directory name/,
    )
  })
})

describe("a config file with a folder per host", () => {
  const load = (...lines: ReadonlyArray<string>) => {
    const result = configFromText(lines.join("\n"), "nas")
    return Array.isArray(result)
      ? (result as ReadonlyArray<ManifestIssue>).map((i) => formatManifestIssue("fleetd.yaml", i))
      : (result as Exclude<typeof result, ReadonlyArray<ManifestIssue>>).config.sources.map(
          (s) => s.path ?? s.projects,
        )
  }

  it("expands path: and projects: with the machine's name and host_name:", () => {
    expect(
      load(
        "host_name: edge",
        "sources:",
        "  - { name: mine, repo: https://git.example/infra.git, path: 'hosts/{hostname}/fleet.yaml' }",
        "  - { name: group, repo: https://git.example/infra.git, projects: ['hosts/{host}/*'] }",
      ),
    ).toEqual(["hosts/nas/fleet.yaml", ["hosts/edge/*"]])
  })

  it("says where {host} has no name, and sees two sources on one expanded folder", () => {
    expect(
      load(
        "sources:",
        "  - { name: a, repo: https://git.example/infra.git, path: 'hosts/{host}/fleet.yaml' }",
      ),
    ).toEqual([
      expect.stringMatching(/^fleetd\.yaml:2:\d+: sources\[0\]\.path: \{host\} needs the host's name/),
    ])
    expect(
      load(
        "sources:",
        "  - { name: a, repo: https://git.example/infra.git, path: 'hosts/{hostname}/fleet.yaml' }",
        "  - { name: b, repo: https://git.example/infra.git, path: hosts/nas/fleet.yaml }",
      ),
    ).toEqual([expect.stringContaining('follows the same repository, revision and manifests as source "a"')])
  })
})
