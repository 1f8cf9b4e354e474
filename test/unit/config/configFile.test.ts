import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Redacted } from "effect"
import { ConfigFile } from "../../../src/config/ConfigFile.ts"
import { configFromText, loadConfigFile } from "../../../src/config/loadConfigFile.ts"
import { formatManifestIssue, type ManifestIssue } from "../../../src/manifest/ManifestError.ts"
import { operatorJsonSchemaText } from "../../../src/manifest/operatorJsonSchema.ts"

/** The issues of a config file's text, as the daemon prints them. */
const issues = (...lines: ReadonlyArray<string>) => {
  const result = configFromText(lines.join("\n"))
  return Array.isArray(result)
    ? (result as ReadonlyArray<ManifestIssue>).map((i) => formatManifestIssue("fleetd.yaml", i))
    : []
}

describe("the config file", () => {
  it("has a checked-in schemas/config.schema.json that matches the Schema (run npm run schema)", () => {
    expect(readFileSync(new URL("../../../schemas/config.schema.json", import.meta.url), "utf8")).toBe(
      operatorJsonSchemaText(ConfigFile, "config.schema.json"),
    )
  })

  it("accepts sources of every kind", () => {
    expect(
      issues(
        "listen: 127.0.0.1:9090",
        "concurrency: 8",
        "sources:",
        "  - name: infra",
        "    repo: https://git.example/me/infra.git",
        "    branch: prod",
        "    interval: 30s",
        "    webhook: { repository: me/infra, secret_env: INFRA_SECRET }",
        "  - name: apps",
        "    repo: ssh://git@git.example/me/apps.git",
        "    ref: v1.2.0",
        "    projects: [services/*, '!services/old']",
        "    git: { ssh_key_file: keys/apps, known_hosts_file: keys/known_hosts }",
        "  - name: local",
        "    dir: /srv/fleet",
        "    fleet: home",
      ),
    ).toEqual([])
  })

  it.each([
    [
      "a source with both repo and dir",
      ["sources:", "  - name: a", "    repo: file:///r.git", "    dir: /srv"],
      ["fleetd.yaml:4:5: sources[0].dir: give exactly one of repo: (git) or dir: (a local directory)"],
    ],
    [
      "a source with neither",
      ["sources:", "  - name: a", "    path: x.yaml"],
      ["fleetd.yaml:2:11: sources[0].name: give exactly one of repo: (git) or dir: (a local directory)"],
    ],
    [
      "branch and ref",
      ["sources:", "  - name: a", "    repo: file:///r.git", "    branch: main", "    ref: v1"],
      ["fleetd.yaml:5:5: sources[0].ref: give branch: to follow or ref: to pin, not both"],
    ],
    [
      "git settings on a directory",
      ["sources:", "  - name: a", "    dir: /srv", "    branch: main"],
      ["fleetd.yaml:4:5: sources[0].branch: branch: is for a git repo:, not a dir:"],
    ],
    [
      "signature verification on a directory",
      ["sources:", "  - name: a", "    dir: /srv", "    verify_commits: keys"],
      ["fleetd.yaml:4:5: sources[0].verify_commits: verify_commits: is for a git repo:, not a dir:"],
    ],
    [
      "path beside projects, and a path leaving the repository",
      ["sources:", "  - name: a", "    dir: /srv", "    path: ../x.yaml", "    projects: [a/*]"],
      [
        'fleetd.yaml:4:5: sources[0].path: "../x.yaml" must be relative to the repository and stay inside it',
        "fleetd.yaml:5:5: sources[0].projects: give path: (one manifest) or projects: (globs), not both",
      ],
    ],
    [
      "two sources with one name, one origin, one fleet",
      [
        "sources:",
        "  - name: a",
        "    dir: /srv/a",
        "    fleet: web",
        "  - name: a",
        "    dir: /srv/b",
        "  - name: c",
        "    dir: /srv/a",
        "  - name: d",
        "    dir: /srv/d",
        "    fleet: web",
      ],
      [
        `fleetd.yaml:5:11: sources[1].name: the name "a" is already source "a" (line 2)'s: each source needs its own name`,
        'fleetd.yaml:7:11: sources[2].name: follows the same repository, revision and manifests as source "a" (line 2): the two would fight over its fleets',
        'fleetd.yaml:9:11: sources[3].name: claims the fleet "web", which source "a" (line 2) claims: a fleet belongs to one source',
      ],
    ],
    [
      "a secret as a file and a variable",
      ["sources:", "  - name: a", "    dir: /srv", "    webhook: { secret_file: s, secret_env: S }"],
      ["fleetd.yaml:4:5: sources[0].webhook: give secret_file: or secret_env:, not both"],
    ],
    [
      "a daemon-wide secret as a file and a variable",
      ["webhooks:", "  harbor: { secret_file: s, secret_env: S }", "sources: [{ name: a, dir: /srv }]"],
      ["fleetd.yaml:2:3: webhooks.harbor: give secret_file: or secret_env:, not both"],
    ],
    [
      "a daemon-wide secret of an unknown provider",
      ["webhooks:", "  quay: { secret_env: S }", "sources: [{ name: a, dir: /srv }]"],
      [
        'fleetd.yaml:2:3: webhooks.quay: unknown config key "quay" (allowed here: github, gitlab, gitea, bitbucket, generic, registry, dockerhub, harbor)',
      ],
    ],
    [
      "an unknown key, a bad name, a bad duration and a bad listen address",
      ["listen: nowhere", "sources:", "  - name: A_b", "    dir: /srv", "    interval: ten", "    secret: x"],
      [
        'fleetd.yaml:1:9: listen: "nowhere" must be HOST:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080',
        'fleetd.yaml:3:11: sources[0].name: source name "A_b" must match ^[a-z0-9][a-z0-9_-]{0,62}$ (lowercase letters, digits, _ and -)',
        'fleetd.yaml:5:15: sources[0].interval: expected a duration such as 10s, 1m30s or 500ms, not "ten"',
        'fleetd.yaml:6:5: sources[0].secret: unknown config key "secret" (allowed here: name, repo, dir, branch, ref, verify_commits, path, projects, prune_projects, fleet, profiles, interval, local_files, policy, allow_empty, prune, git, webhook)',
      ],
    ],
    [
      "no sources",
      ["sources: []"],
      ["fleetd.yaml:1:10: sources: list at least one source (name: and repo: or dir:)"],
    ],
    ["not a mapping", ["- a"], ["fleetd.yaml:1:1: the config file must be a mapping with a sources: list"]],
  ])("refuses %s, at its position", (_, lines, expected) => {
    expect(issues(...lines)).toEqual(expected)
  })
})

describe("loading the config file", () => {
  const setup = () => {
    const dir = mkdtempSync(join(tmpdir(), "fleetd-config-"))
    mkdirSync(join(dir, "secrets"))
    writeFileSync(join(dir, "secrets", "token"), "tok-123\n")
    writeFileSync(join(dir, "policy.yaml"), "allow:\n  network_mode_host: true\n")
    writeFileSync(join(dir, "bad-policy.yaml"), "allow:\n  everything: true\n")
    return dir
  }

  it.effect("resolves each source's settings: paths from the file's directory, secrets read once", () => {
    const dir = setup()
    writeFileSync(
      join(dir, "fleetd.yaml"),
      [
        "data_dir: state",
        "concurrency: 6",
        "history: 50",
        "webhooks:",
        "  registry: { secret_env: REGISTRY_TOKEN }",
        "sources:",
        "  - name: infra",
        "    repo: file:///srv/infra.git",
        "    interval: 2m",
        "    policy: policy.yaml",
        "    local_files: secrets",
        "    git: { token_file: secrets/token }",
        "    verify_commits: keys/allowed_signers",
        "    webhook: { repository: me/infra, secret_env: INFRA_HOOK }",
        "  - name: home",
        "    dir: fleet",
        "    prune: true",
      ].join("\n"),
    )
    return Effect.gen(function* () {
      const loaded = yield* loadConfigFile(join(dir, "fleetd.yaml"), {
        INFRA_HOOK: "hook-secret",
        REGISTRY_TOKEN: "registry-token",
      })
      const [infra, home] = loaded.sources
      expect(infra?.settings.source).toMatchObject({
        _tag: "Git",
        repo: "file:///srv/infra.git",
        branch: "main",
        // Relative to the config file, like every path in it.
        verifyCommits: join(dir, "keys", "allowed_signers"),
      })
      const git = infra?.settings.source._tag === "Git" ? infra.settings.source : undefined
      expect(git && Redacted.value(git.httpsToken!)).toBe("tok-123")
      expect(infra?.settings.dataDir).toBe(join(dir, "state", "sources", "infra"))
      expect(infra?.settings.localFiles).toBe(join(dir, "secrets"))
      expect(infra?.settings.policy).toEqual({ allow: { network_mode_host: true } })
      expect(Duration.toMillis(infra!.settings.interval)).toBe(120_000)
      expect(infra?.settings.concurrency).toBe(6)
      expect(infra?.settings.history).toBe(50)
      expect(Redacted.value(infra!.settings.webhookSecrets.github!)).toBe("hook-secret")
      expect(infra?.webhookRepository).toBe("me/infra")
      expect(home?.settings.source).toEqual({ _tag: "Dir", dir: join(dir, "fleet") })
      expect(home?.prune).toBe(true)
      // The daemon-wide registry token is every source's, over a source's own secret.
      expect(Object.keys(home?.settings.webhookSecrets ?? {})).toEqual(["registry"])
      for (const source of [infra, home])
        expect(Redacted.value(source!.settings.webhookSecrets.registry!)).toBe("registry-token")
      // The secret is in no rendering of the settings.
      expect(JSON.stringify(loaded)).not.toContain("hook-secret")
      expect(JSON.stringify(loaded)).not.toContain("tok-123")
      expect(JSON.stringify(loaded)).not.toContain("registry-token")
    })
  })

  it.effect("says what is wrong with the files and variables it names, at their positions", () => {
    const dir = setup()
    const file = join(dir, "fleetd.yaml")
    writeFileSync(
      file,
      [
        "sources:",
        "  - name: infra",
        "    repo: file:///srv/infra.git",
        "    policy: bad-policy.yaml",
        "    local_files: missing",
        "    git: { token_file: secrets/none }",
        "    webhook: { secret_env: NOT_SET }",
      ].join("\n"),
    )
    return Effect.gen(function* () {
      const error = yield* Effect.flip(loadConfigFile(file, {}))
      const lines = error.message.split("\n")
      expect(lines[0]).toMatch(
        /^.*fleetd\.yaml:4:13: sources\[0\]\.policy: the policy is invalid: .*bad-policy\.yaml:2:3: allow\.everything: unknown policy key "everything"/,
      )
      expect(error.message).toContain(
        `fleetd.yaml:5:18: sources[0].local_files: ${join(dir, "missing")} does not exist`,
      )
      expect(error.message).toContain(
        `fleetd.yaml:6:24: sources[0].git.token_file: cannot read ${join(dir, "secrets", "none")}`,
      )
      expect(error.message).toContain(
        "fleetd.yaml:7:28: sources[0].webhook.secret_env: the variable NOT_SET is not set (or empty) in fleetd's environment",
      )
      expect(lines.at(-1)).toContain("is invalid: fix it and start fleetd (or send SIGHUP) again")
    })
  })
})
