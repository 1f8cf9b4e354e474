import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Result } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { diskDirectory } from "../../../src/manifest/discoverProjects.ts"
import { findRepositoryRoot } from "../../../src/manifest/hostFiles.ts"
import { type LoadManifestOptions, loadManifest } from "../../../src/manifest/loadManifest.ts"
import { loadProjects } from "../../../src/manifest/loadProjects.ts"
import { formatManifestError } from "../../../src/manifest/ManifestError.ts"
import { parseProjectPatterns } from "../../../src/manifest/projectGlob.ts"

let base: string
let repo: string
let local: string
let data: string

const put = (root: string, path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), text)
}

/** Loads `manifest` (a path inside the repository) with the repository, --local-files and data dir known. */
const load = async (manifest: string, yaml: string, options: Partial<LoadManifestOptions> = {}) => {
  put(repo, manifest, yaml)
  const result = await Effect.runPromise(
    Effect.result(
      loadManifest(join(repo, manifest), {
        fleet: "t",
        environment: {},
        repository: repo,
        localFiles: local,
        binds: data,
        ...options,
      }),
    ).pipe(Effect.provide(NodeFileSystem.layer)),
  )
  return Result.isSuccess(result)
    ? result.success
    : formatManifestError(result.failure).replaceAll(base, "<base>")
}

const ok = async (...args: Parameters<typeof load>) => {
  const loaded = await load(...args)
  if (typeof loaded === "string") throw new Error(loaded)
  return loaded
}

const service = (yaml: string) => `services:\n  web:\n    image: busybox\n${yaml}`

describe("files kept on the host (--local-files)", () => {
  beforeEach(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "fleetd-local-")))
    repo = join(base, "repo")
    local = join(base, "local")
    data = join(base, "data", "binds")
    mkdirSync(repo)
    mkdirSync(local)
  })
  afterEach(() => rmSync(base, { recursive: true, force: true }))

  it("reads a file the repository lacks from --local-files at the same repository-relative path", async () => {
    put(local, "secrets/app.env", "TOKEN=from-host\n")
    const fromRoot = await ok("fleet.yaml", service("    env_file: ./secrets/app.env\n"))
    expect(fromRoot.desired.services[0]!.spec.env).toEqual(["TOKEN=from-host"])
    expect(fromRoot.files).toContain(join(local, "secrets/app.env"))
    // From a project directory, `../../secrets` climbs to the repository root, not out of it.
    const fromProject = await ok(
      "services/app/compose.yaml",
      service("    env_file: ../../secrets/app.env\n"),
    )
    expect(fromProject.desired.services[0]!.spec.env).toEqual(["TOKEN=from-host"])
  })

  it("gives every project (--projects) the repository as its root and --local-files laid over it", async () => {
    put(local, "secrets/app.env", "TOKEN=from-host\n")
    put(
      repo,
      "services/app/compose.yaml",
      service("    env_file: ../../secrets/app.env\n    volumes: [./data:/data]\n"),
    )
    const found = await Effect.runPromise(
      loadProjects(repo, parseProjectPatterns(["services/*"]), diskDirectory(repo), {
        environment: {},
        localFiles: local,
        binds: data,
      }).pipe(Effect.provide(NodeFileSystem.layer)),
    )
    const loaded = found.projects[0]?.loaded
    if (loaded === undefined || Result.isFailure(loaded)) throw new Error(String(loaded))
    expect(loaded.success.desired.services[0]!.spec.env).toEqual(["TOKEN=from-host"])
    expect(loaded.success.directories).toEqual([join(data, "app", "services/app/data")])
  })

  it("prefers the repository's own file, and falls back to --local-files only for what it lacks", async () => {
    put(repo, "app.env", "FROM=repository\n")
    put(local, "app.env", "FROM=host\n")
    put(local, "extra.env", "EXTRA=host\n")
    const loaded = await ok("fleet.yaml", service("    env_file: [app.env, extra.env]\n"))
    expect(loaded.desired.services[0]!.spec.env).toEqual(["EXTRA=host", "FROM=repository"])
  })

  it("reads a git-ignored .env kept on the host for interpolation", async () => {
    put(local, "services/app/.env", "TAG=1.2\n")
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose ${VAR} syntax
    const loaded = await ok("services/app/compose.yaml", "services:\n  web:\n    image: busybox:${TAG}\n")
    expect(loaded.desired.services[0]!.spec.image).toBe("busybox:1.2")
  })

  it("names both places looked in when a required file is found nowhere, and never its content", async () => {
    put(local, "bad.env", "s3cr3t-t0ken/value\n")
    expect(
      await load(
        "services/app/compose.yaml",
        service(
          "    env_file:\n      - ../../secrets/app.env\n      - { path: ./optional.env, required: false }\n      - ../../bad.env\n",
        ),
      ),
    ).toBe(
      [
        "<base>/repo/services/app/compose.yaml:5:9: services.web.env_file[0]: env_file ../../secrets/app.env is neither in the repository (<base>/repo/secrets/app.env) nor in --local-files (<base>/local/secrets/app.env) (add it to one of them (files git must not hold belong in --local-files))",
        "<base>/repo/services/app/compose.yaml:7:9: services.web.env_file[2]: ../../bad.env:1: expected KEY=VALUE or a variable name",
      ].join("\n"),
    )
  })

  it("refuses .. out of the repository and symlinks out of the repository or --local-files", async () => {
    writeFileSync(join(base, "outside.env"), "X=1\n")
    symlinkSync(join(base, "outside.env"), join(local, "link.env"))
    symlinkSync(base, join(local, "up"))
    symlinkSync(join(local, "up"), join(repo, "into-local"))
    expect(
      await load(
        "services/app/compose.yaml",
        service(
          "    env_file: [../../../outside.env, ../../link.env, ../../into-local/outside.env]\n    volumes: [../../up/outside.env:/x:ro]\n",
        ),
      ),
    ).toBe(
      [
        "<base>/repo/services/app/compose.yaml:4:16: services.web.env_file[0]: env_file ../../../outside.env escapes the repository (use a path inside the repository)",
        "<base>/repo/services/app/compose.yaml:4:38: services.web.env_file[1]: env_file ../../link.env resolves to <base>/outside.env, outside --local-files (<base>/local) (a symlink in --local-files may not point outside it)",
        "<base>/repo/services/app/compose.yaml:4:54: services.web.env_file[2]: env_file ../../into-local/outside.env resolves to <base>/outside.env, outside the repository (a symlink may not point outside the repository)",
        "<base>/repo/services/app/compose.yaml:5:15: services.web.volumes[0]: bind mount source ../../up/outside.env resolves to <base>/outside.env, outside --local-files (<base>/local) (a symlink in --local-files may not point outside it)",
      ].join("\n"),
    )
  })

  it("knows the repository of a manifest given with -f by the git work tree around it", async () => {
    mkdirSync(join(repo, "services/app"), { recursive: true })
    const rootOf = (dir: string) =>
      Effect.runPromise(findRepositoryRoot(dir).pipe(Effect.provide(NodeFileSystem.layer)))
    expect(await rootOf(join(repo, "services/app"))).toBeUndefined()
    writeFileSync(join(repo, ".git"), "gitdir: /elsewhere\n") // a worktree's .git is a file
    expect(await rootOf(join(repo, "services/app"))).toBe(repo)
  })

  it("keeps today's rule when no repository root is known: references stay below the manifest", async () => {
    put(local, "secrets/app.env", "A=1\n")
    expect(
      await load("services/app/compose.yaml", service("    env_file: ../../secrets/app.env\n"), {
        repository: undefined,
      }),
    ).toBe(
      "<base>/repo/services/app/compose.yaml:4:15: services.web.env_file: env_file ../../secrets/app.env escapes the repository (use a path inside the directory of fleet.yaml)",
    )
  })

  it("hashes configuration from --local-files, so a changed file replaces the service; read-write data files are not hashed", async () => {
    put(local, "app.env", "A=1\n")
    put(local, "conf/app.conf", "listen 80\n")
    put(local, "comments.db", "row 1\n")
    const yaml = service(
      "    env_file: app.env\n    volumes: [./conf/app.conf:/etc/app.conf:ro, ./comments.db:/data/comments.db]\n",
    )
    const hash = async () => (await ok("fleet.yaml", yaml)).desired.services[0]!.configHash
    const first = await hash()
    put(local, "comments.db", "row 1\nrow 2\n")
    expect(await hash()).toBe(first)
    put(local, "conf/app.conf", "listen 81\n")
    const second = await hash()
    expect(second).not.toBe(first)
    put(local, "app.env", "A=2\n")
    expect(await hash()).not.toBe(second)
    const loaded = await ok("fleet.yaml", yaml)
    expect(loaded.files).toEqual(
      expect.arrayContaining([join(local, "app.env"), join(local, "conf/app.conf")]),
    )
    expect(loaded.files).not.toContain(join(local, "comments.db"))
  })

  it("binds data the repository lacks from --local-files when there, else from a per-fleet data directory", async () => {
    mkdirSync(join(local, "services/app/media"), { recursive: true })
    put(repo, "config/site.conf", "x\n")
    const loaded = await ok(
      "services/app/compose.yaml",
      service(
        "    volumes: [./data:/data, ./media:/media, ../../config:/config, ./db/comments.db:/db/comments.db]\n",
      ),
    )
    expect(
      loaded.desired.services[0]!.spec.mounts.map((m) => [m.target, "source" in m ? m.source : ""]),
    ).toEqual([
      ["/config", join(repo, "config")],
      ["/data", join(data, "t", "services/app/data")],
      ["/db/comments.db", join(data, "t", "services/app/db/comments.db")],
      ["/media", join(local, "services/app/media")],
    ])
    expect(loaded.directories).toEqual([
      join(data, "t", "services/app/data"),
      join(data, "t", "services/app/db/comments.db"),
    ])
    // Nothing is created by loading (validate and plan change nothing on the host).
    expect(() => realpathSync(join(data, "t"))).toThrow()
  })

  it("without a data directory (-f, --dir), binds data where Compose would: in the repository itself", async () => {
    const loaded = await ok("fleet.yaml", service("    volumes: [./data:/data]\n"), { binds: undefined })
    expect(loaded.desired.services[0]!.spec.mounts).toMatchObject([
      { source: join(repo, "data"), target: "/data" },
    ])
    expect(loaded.directories).toEqual([join(repo, "data")])
  })

  it("says at validate time when a file stands where a data directory must be created", async () => {
    put(repo, "conf", "not a directory\n")
    expect(
      await load("fleet.yaml", service("    volumes: [./conf/data:/data]\n"), { binds: undefined }),
    ).toBe(
      "<base>/repo/fleet.yaml:4:15: services.web.volumes[0]: bind mount source conf/data cannot be created as a directory at <base>/repo/conf/data: <base>/repo/conf is a file (move the file away, or write the source as a path that exists)",
    )
  })

  it("refuses a data path that a symlink leads out of its place", async () => {
    mkdirSync(join(data, "t", "data"), { recursive: true })
    symlinkSync("/etc", join(data, "t", "data", "escape"))
    symlinkSync(base, join(repo, "up"))
    expect(await load("fleet.yaml", service("    volumes: [./data/escape:/x, ./data/escape/new:/y]\n"))).toBe(
      [
        "<base>/repo/fleet.yaml:4:15: services.web.volumes[0]: bind mount source data/escape resolves to /etc, outside the fleet's data directory (<base>/data/binds/t) (a symlink in a service's data may not lead fleetd elsewhere: remove it)",
        "<base>/repo/fleet.yaml:4:33: services.web.volumes[1]: bind mount source data/escape/new resolves to /etc/new, outside the fleet's data directory (<base>/data/binds/t) (a symlink in a service's data may not lead fleetd elsewhere: remove it)",
      ].join("\n"),
    )
    expect(await load("fleet.yaml", service("    volumes: [./up/new:/y]\n"), { binds: undefined })).toBe(
      "<base>/repo/fleet.yaml:4:15: services.web.volumes[0]: bind mount source up/new resolves to <base>/new, outside the repository (a symlink may not point outside the repository)",
    )
  })

  it("reports a --local-files directory that does not exist", async () => {
    expect(await load("fleet.yaml", service(""), { localFiles: join(base, "nope") })).toBe(
      "<base>/repo/fleet.yaml:1:1: cannot read --local-files <base>/nope: ENOENT",
    )
  })
})
