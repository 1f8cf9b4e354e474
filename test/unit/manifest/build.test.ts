// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} syntax is part of the subject

import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Result } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readBuildContext as readContext } from "../../../src/manifest/buildContext.ts"
import { loadManifest } from "../../../src/manifest/loadManifest.ts"
import { formatManifestError } from "../../../src/manifest/ManifestError.ts"
import { issues, load } from "./support.ts"

let base: string
let repo: string

const write = (name: string, text: string) => {
  mkdirSync(dirname(join(repo, name)), { recursive: true })
  writeFileSync(join(repo, name), text)
}

const run = async (yaml: string, environment: Record<string, string> = {}) => {
  write("fleet.yaml", yaml)
  const result = await Effect.runPromise(
    Effect.result(loadManifest(join(repo, "fleet.yaml"), { fleet: "t", environment })).pipe(
      Effect.provide(NodeFileSystem.layer),
    ),
  )
  return Result.isSuccess(result)
    ? result.success
    : formatManifestError(result.failure).replaceAll(repo, "<repo>")
}

const loaded = async (yaml: string, environment: Record<string, string> = {}) => {
  const result = await run(yaml, environment)
  if (typeof result === "string") throw new Error(result)
  return result
}

const service = async (yaml: string, environment: Record<string, string> = {}) =>
  (await loaded(yaml, environment)).desired.services[0]!

describe("build: in fleet.yaml", () => {
  beforeAll(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "fleetd-build-")))
    repo = join(base, "repo")
    write("app/Dockerfile", "FROM busybox:1.36\nCOPY . /app\n")
    write("app/index.html", "hello\n")
    write("app/node_modules/dep/index.js", "x\n")
    write("app/logs/keep.log", "kept\n")
    write("app/logs/other.log", "dropped\n")
    write("app/.dockerignore", "node_modules\nlogs/*.log\n!logs/keep.log\n")
    write("app/Dockerfile.prod", "FROM busybox:1.36 AS base\nFROM base AS prod\n")
    write("ignored/Dockerfile", "FROM busybox:1.36\n")
    write("ignored/.dockerignore", "Dockerfile\n")
    write("Dockerfile.shared", "FROM busybox:1.36\n")
    writeFileSync(join(base, "outside.Dockerfile"), "FROM busybox:1.36\n")
    mkdirSync(join(base, "elsewhere"))
    symlinkSync(join(base, "elsewhere"), join(repo, "escape"))
    symlinkSync(join(base, "outside.Dockerfile"), join(repo, "app/Outside.Dockerfile"))
  })
  afterAll(() => rmSync(base, { recursive: true, force: true }))

  it("builds from a context string, tagged <fleet>-<service>, with .dockerignore honoured", async () => {
    const web = await service("services:\n  web:\n    build: ./app\n")
    expect(web.spec.image).toBe("t-web")
    expect(web.pullPolicy).toBe("missing")
    expect(web.build).toMatchObject({
      context: join(repo, "app"),
      dockerfile: "Dockerfile",
      files: [
        ".dockerignore",
        "Dockerfile",
        "Dockerfile.prod",
        "Outside.Dockerfile",
        "index.html",
        "logs/keep.log",
      ],
      args: {},
      labels: {},
    })
    expect(web.build?.dockerfileContent).toBeUndefined()
  })

  it("reads the long form: dockerfile, args (map and list, interpolated, bare from the environment), target, labels", async () => {
    const yaml = `services:
  web:
    image: example/web:1
    build:
      context: app
      dockerfile: Dockerfile.prod
      args: ["GREETING=\${WHO:-hi}", "FROM_ENV", "UNSET_ONE"]
      target: prod
      labels: { com.example.team: web }
      no_cache: true
      network: none
`
    const web = await service(yaml, { WHO: "yo", FROM_ENV: "env-value" })
    expect(web.spec.image).toBe("example/web:1")
    expect(web.build).toMatchObject({
      dockerfile: "Dockerfile.prod",
      args: { GREETING: "yo", FROM_ENV: "env-value" },
      target: "prod",
      labels: { "com.example.team": "web" },
      noCache: true,
      network: "none",
    })
    const map = await service(
      "services:\n  web:\n    build:\n      context: app\n      args: { A: 1, B: true, C: null }\n",
      { C: "from-env" },
    )
    expect(map.build?.args).toEqual({ A: "1", B: "true", C: "from-env" })
  })

  it("sends dockerfile_inline, a Dockerfile outside the context and an ignored one under a name of its own", async () => {
    const inline = await service(
      'services:\n  web:\n    build:\n      context: app\n      dockerfile_inline: "FROM busybox:1.36\\n"\n',
    )
    expect(inline.build).toMatchObject({
      dockerfile: ".fleetd.Dockerfile",
      dockerfileContent: "FROM busybox:1.36\n",
    })
    const shared = await service(
      "services:\n  web:\n    build:\n      context: app\n      dockerfile: ../Dockerfile.shared\n",
    )
    expect(shared.build).toMatchObject({
      dockerfile: ".fleetd.Dockerfile",
      dockerfileContent: "FROM busybox:1.36\n",
    })
    const ignored = await service("services:\n  web:\n    build: ignored\n")
    expect(ignored.build).toMatchObject({
      dockerfile: "Dockerfile",
      dockerfileContent: "FROM busybox:1.36\n",
    })
    expect(ignored.build?.files).toEqual([".dockerignore"])
  })

  it("changes the hash (and the config hash) when a context file, the Dockerfile or an arg changes, not otherwise", async () => {
    const yaml = "services:\n  web:\n    build:\n      context: app\n      args: [V=1]\n"
    const first = await service(yaml)
    const again = await service(yaml)
    expect(again.build?.hash).toBe(first.build?.hash)
    expect(again.configHash).toBe(first.configHash)

    write("app/index.html", "hello again\n")
    const edited = await service(yaml)
    expect(edited.build?.hash).not.toBe(first.build?.hash)
    expect(edited.configHash).not.toBe(first.configHash)

    write("app/logs/other.log", "ignored files do not count\n")
    write("app/node_modules/dep/index.js", "neither do these\n")
    expect((await service(yaml)).build?.hash).toBe(edited.build?.hash)

    write("app/Dockerfile", "FROM busybox:1.36\nCOPY . /srv\n")
    const dockerfile = await service(yaml)
    expect(dockerfile.build?.hash).not.toBe(edited.build?.hash)

    const arg = await service(yaml.replace("V=1", "V=2"))
    expect(arg.build?.hash).not.toBe(dockerfile.build?.hash)
  })

  it("lets directory mode watch the context's files", async () => {
    const result = await loaded("services:\n  web:\n    build: app\n")
    expect(result.files).toContain(join(repo, "app/index.html"))
    expect(result.files).not.toContain(join(repo, "app/node_modules/dep/index.js"))
  })

  it("refuses a context or Dockerfile that is missing or leaves the repository, at its position", async () => {
    expect(await run("services:\n  web:\n    build: ./nope\n")).toContain(
      "fleet.yaml:3:12: services.web.build: build context nope does not exist in the repository",
    )
    expect(await run("services:\n  web:\n    build: ../elsewhere\n")).toContain(
      "fleet.yaml:3:12: services.web.build: build context ../elsewhere escapes the repository",
    )
    expect(await run("services:\n  web:\n    build:\n      context: /srv/app\n")).toContain(
      "fleet.yaml:4:16: services.web.build.context: build context /srv/app is outside the repository",
    )
    const link = await run("services:\n  web:\n    build: escape\n")
    expect(link).toContain("fleet.yaml:3:12: services.web.build: build context escape resolves to")
    expect(link).toContain("outside the repository")
    expect(
      await run("services:\n  web:\n    build:\n      context: app\n      dockerfile: Outside.Dockerfile\n"),
    ).toMatch(
      /fleet\.yaml:5:19: services\.web\.build\.dockerfile: dockerfile app\/Outside\.Dockerfile resolves to .*, outside the repository/,
    )
    expect(
      await run("services:\n  web:\n    build:\n      context: app\n      dockerfile: Missing\n"),
    ).toContain(
      "fleet.yaml:5:19: services.web.build.dockerfile: dockerfile app/Missing does not exist in the repository",
    )
    expect(await run("services:\n  web:\n    build: https://github.com/example/app.git\n")).toContain(
      "build context https://github.com/example/app.git is remote; fleetd builds only from the repository's own files",
    )
  })

  it("refuses the build keys it does not act on, by name and with the reason", async () => {
    const text = await run(`services:
  web:
    build:
      context: app
      ssh: [default]
      secrets: [token]
      cache_from: [example/web:cache]
      platforms: [linux/arm64]
      pull: true
      network: host
`)
    expect(text).toContain(
      "fleet.yaml:5:7: services.web.build.ssh: build.ssh is not supported: it forwards an SSH agent",
    )
    expect(text).toContain(
      "services.web.build.secrets: build.secrets is not supported: build secrets need BuildKit",
    )
    expect(text).toContain("services.web.build.cache_from: build.cache_from is not supported")
    expect(text).toContain(
      "services.web.build.platforms: build.platforms is not supported: multi-platform builds need BuildKit",
    )
    expect(text).toContain(
      "services.web.build.pull: build.pull: true is not supported: fleetd's builds never pull base images",
    )
    expect(text).toContain(
      "services.web.build.network: build.network: host gives the build the host's network",
    )
    expect(await run("services:\n  web:\n    build:\n      context: app\n      squash: true\n")).toContain(
      'services.web.build.squash: unknown or unsupported field "squash"',
    )
  })

  it("refuses reserved labels and FLEETD_ arguments", async () => {
    const text = await run(
      "services:\n  web:\n    build:\n      context: app\n      labels: { fleetd.fleet: x }\n      args: [FLEETD_TOKEN]\n",
    )
    expect(text).toContain(
      'services.web.build.labels["fleetd.fleet"]: label "fleetd.fleet" uses the reserved prefix "fleetd."',
    )
    expect(text).toContain("services.web.build.args[0]: FLEETD_TOKEN is reserved")
  })
})

/** An in-memory context `app` holding a Dockerfile, for the pure pipeline. */
const appFiles = {
  app: { kind: "directory", realPath: "/repo/app", context: { files: ["Dockerfile"], sha256: "c" } },
  "app/Dockerfile": {
    kind: "file",
    realPath: "/repo/app/Dockerfile",
    content: new TextEncoder().encode("FROM x\n"),
  },
} as const

describe("image, build and pull_policy together", () => {
  it("needs image or build, and says so", () => {
    expect(issues(load("services:\n  web:\n    command: sh\n"))).toEqual([
      "fleet.yaml:3:5: services.web: a service needs image: (the image to run) or build: (to build it), or both",
    ])
  })

  it("accepts pull_policy build only with a build section, and refuses pulling policies and digest tracking with one", () => {
    expect(issues(load("services:\n  web:\n    image: busybox\n    pull_policy: build\n"))).toEqual([
      'fleet.yaml:4:18: services.web.pull_policy: pull_policy "build" needs a build: section to build the image from (add build: with the context, or choose another pull_policy)',
    ])
    const files = appFiles
    expect(issues(load("services:\n  web:\n    build: app\n    pull_policy: build\n", { files }))).toEqual([
      "ok",
    ])
    expect(issues(load("services:\n  web:\n    build: app\n    pull_policy: never\n", { files }))).toEqual([
      "ok",
    ])
    expect(
      issues(load("services:\n  web:\n    build: app\n    pull_policy: daily\n", { files }))[0],
    ).toContain(
      'services.web.pull_policy: pull_policy "daily" pulls the image, but this service builds it (build:)',
    )
    expect(
      issues(load("services:\n  web:\n    build: app\n    x-fleetd: { track: digest }\n", { files }))[0],
    ).toContain("x-fleetd.track: digest follows a registry, but this service builds its image")
  })

  it("names a built image after the fleet and service, lowercased, and lets hooks run it", () => {
    const result = load(
      "services:\n  Web:\n    build: app\n    x-fleetd:\n      hooks:\n        pre_deploy: [{ run: { command: [migrate] } }]\n",
      { files: appFiles },
    )
    if (result._tag !== "ok") throw new Error(issues(result).join("\n"))
    const web = result.desired.services[0]!
    expect(web.spec.image).toBe("demo-web")
    const step = web.hooks?.pre_deploy?.[0]
    expect(step?.kind === "run" ? step.spec.image : undefined).toBe("demo-web")
  })
})

const readBuildContext = (dir: string) =>
  Effect.runPromise(readContext(dir).pipe(Effect.provide(NodeFileSystem.layer)))

describe("readBuildContext", () => {
  let dir: string
  beforeAll(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "fleetd-context-")))
    writeFileSync(join(dir, "run.sh"), "echo hi\n")
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("counts the executable bit and symlink targets", async () => {
    const plain = await readBuildContext(dir)
    chmodSync(join(dir, "run.sh"), 0o755)
    const executable = await readBuildContext(dir)
    expect(executable.sha256).not.toBe(plain.sha256)
    symlinkSync("run.sh", join(dir, "link"))
    const linked = await readBuildContext(dir)
    expect(linked.files).toEqual(["link", "run.sh"])
    expect(linked.sha256).not.toBe(executable.sha256)
  })
})
