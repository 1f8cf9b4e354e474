// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} syntax is under test
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { crossProjectChecks, type LoadedProject } from "../../../src/manifest/crossProjectChecks.ts"
import {
  chooseComposeFile,
  type DirEntry,
  discoverProjects,
  diskDirectory,
  type ListDirectory,
} from "../../../src/manifest/discoverProjects.ts"
import { loadProjects } from "../../../src/manifest/loadProjects.ts"
import {
  globToRegExp,
  parseProjectPatterns,
  patternProblem,
  selectDirectories,
} from "../../../src/manifest/projectGlob.ts"
import { desired, load } from "./support.ts"

const matches = (glob: string, path: string) => globToRegExp(glob).test(path)

/** An in-memory tree: each path is a file; its parents are directories. */
const tree = (files: ReadonlyArray<string>): ListDirectory => {
  const entries = new Map<string, Map<string, DirEntry["kind"]>>()
  const add = (dir: string, name: string, kind: DirEntry["kind"]) => {
    const m = entries.get(dir) ?? new Map()
    m.set(name, kind)
    entries.set(dir, m)
  }
  for (const f of files) {
    const parts = f.split("/")
    for (let i = 0; i < parts.length; i++) {
      const dir = i === 0 ? "." : parts.slice(0, i).join("/")
      add(dir, parts[i] as string, i === parts.length - 1 ? "file" : "directory")
    }
  }
  return (dir) => Effect.succeed([...(entries.get(dir) ?? [])].map(([name, kind]) => ({ name, kind })))
}

describe("project globs", () => {
  it("match one segment with *, any depth with **, and never a dot directory by accident", () => {
    expect(matches("services/*", "services/web")).toBe(true)
    expect(matches("services/*", "services/web/sub")).toBe(false)
    expect(matches("services/*", "services/.git")).toBe(false)
    expect(matches("services/.*", "services/.hidden")).toBe(true)
    expect(matches("**", "a/b/c")).toBe(true)
    expect(matches("apps/**/web", "apps/web")).toBe(true)
    expect(matches("apps/**/web", "apps/x/y/web")).toBe(true)
    expect(matches("{apps,services}/w?b", "apps/web")).toBe(true)
    expect(matches("services/[ab]*", "services/cache")).toBe(false)
    expect(matches("services/[!ab]*", "services/cache")).toBe(true)
    expect(matches("./services/web/", "services/web")).toBe(true)
    expect(matches(".", ".")).toBe(true)
  })

  it("select what an include matches and no exclude does, from repeated and comma-separated values", () => {
    const patterns = parseProjectPatterns(["services/*,!services/old*", "tools/backup"])
    assert.deepStrictEqual(patterns, {
      include: ["services/*", "tools/backup"],
      exclude: ["services/old*"],
    })
    assert.deepStrictEqual(
      selectDirectories(patterns, [
        "services/web",
        "services/old",
        "services/oldest",
        "tools/backup",
        "tools/x",
        ".",
      ]),
      ["services/web", "tools/backup"],
    )
  })

  it("refuse globs that leave the repository or only exclude", () => {
    expect(patternProblem(parseProjectPatterns(["../other/*"]))).toContain("stay inside it")
    expect(patternProblem(parseProjectPatterns(["/srv/*"]))).toContain("stay inside it")
    expect(patternProblem(parseProjectPatterns(["!services/old"]))).toContain("at least one glob")
    expect(patternProblem(parseProjectPatterns(["services/*"]))).toBeUndefined()
  })
})

describe("project discovery", () => {
  it("takes the first compose file in Compose's order and reports the others as ignored", () => {
    const entries = (names: ReadonlyArray<string>) => names.map((name): DirEntry => ({ name, kind: "file" }))
    assert.deepStrictEqual(chooseComposeFile(entries(["fleet.yaml", "docker-compose.yml", "compose.yml"])), {
      file: "compose.yml",
      ignored: ["docker-compose.yml", "fleet.yaml"],
    })
    expect(chooseComposeFile(entries(["podman-compose.yaml", "fleet.yaml"]))?.file).toBe(
      "podman-compose.yaml",
    )
    expect(chooseComposeFile(entries(["README.md", ".env"]))).toBeUndefined()
    // A directory named like a compose file is not one.
    expect(chooseComposeFile([{ name: "compose.yaml", kind: "directory" }])).toBeUndefined()
  })

  it.effect("finds every matching directory that holds a compose file, sorted, skipping the others", () =>
    Effect.gen(function* () {
      const list = tree([
        "services/web/compose.yaml",
        "services/web/.env",
        "services/db/docker-compose.yml",
        "services/db/fleet.yaml",
        "services/docs/README.md",
        "services/old/podman-compose.yml",
        "services/web/nested/compose.yaml",
        "fleet.yaml",
      ])
      const found = yield* discoverProjects(parseProjectPatterns(["services/*", "!services/old"]), list)
      assert.deepStrictEqual(found, [
        { dir: "services/db", file: "services/db/docker-compose.yml", ignored: ["services/db/fleet.yaml"] },
        { dir: "services/web", file: "services/web/compose.yaml", ignored: [] },
      ])
      const deep = yield* discoverProjects(parseProjectPatterns(["**"]), list)
      assert.deepStrictEqual(
        deep.map((p) => p.dir),
        ["services/db", "services/old", "services/web", "services/web/nested"],
      )
      const root = yield* discoverProjects(parseProjectPatterns(["."]), list)
      assert.deepStrictEqual(
        root.map((p) => p.file),
        ["fleet.yaml"],
      )
    }),
  )
})

describe("loading projects", () => {
  const withRepo = (files: Record<string, string>) => {
    const root = mkdtempSync(join(tmpdir(), "fleetd-projects-"))
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, ".."), { recursive: true })
      writeFileSync(join(root, path), text)
    }
    return Effect.acquireRelease(Effect.succeed(root), () =>
      Effect.sync(() => rmSync(root, { recursive: true })),
    )
  }
  const app = "services:\n  app:\n    image: busybox:1\n"

  it.effect(
    "names each project by its name: else its directory (normalized), with its own .env, and an invalid one alone",
    () =>
      Effect.gen(function* () {
        const root = yield* withRepo({
          "services/My Blog/compose.yaml": app,
          "services/db/docker-compose.yml":
            "name: database\nservices:\n  pg:\n    image: postgres:${PG_TAG}\n",
          "services/db/.env": "PG_TAG=16\n",
          "services/cache/compose.yaml": "services:\n  redis:\n    image: redis:${PG_TAG:-7}\n",
          "services/broken/compose.yaml":
            "name: broken-one\nservices:\n  x:\n    image: busybox\n    bogus: 1\n",
        })
        const { projects } = yield* loadProjects(
          root,
          parseProjectPatterns(["services/*"]),
          diskDirectory(root),
          {
            environment: {},
          },
        )
        assert.deepStrictEqual(
          projects.map((p) => [p.dir, p.fleet, Result.isSuccess(p.loaded)]),
          [
            ["services/My Blog", "myblog", true],
            ["services/broken", "broken-one", false],
            ["services/cache", "cache", true],
            ["services/db", "database", true],
          ],
        )
        const image = (dir: string) => {
          const p = projects.find((q) => q.dir === dir)
          return p !== undefined && Result.isSuccess(p.loaded)
            ? p.loaded.success.desired.services[0]?.spec.image
            : undefined
        }
        // db's .env is db's alone: cache falls back to its own default.
        expect(image("services/db")).toBe("postgres:16")
        expect(image("services/cache")).toBe("redis:7")
        const broken = projects.find((p) => p.dir === "services/broken")
        assert(broken !== undefined && Result.isFailure(broken.loaded))
        expect(broken.loaded.failure.file).toBe("services/broken/compose.yaml")
        expect(broken.loaded.failure.issues[0]).toMatchObject({ line: 5, column: 5 })
      }).pipe(Effect.scoped, Effect.provide(NodeFileSystem.layer)),
  )
})

describe("checks across projects", () => {
  const project = (file: string, fleet: string, text: string): LoadedProject => {
    const result = load(text, { fleet })
    assert(result._tag === "ok")
    return { file, desired: desired(result), issueAt: result.issueAt }
  }

  it("refuse two projects claiming one container name, in both, with the other's position", () => {
    const a = project("a/compose.yaml", "shop", "services:\n  web-api:\n    image: busybox\n")
    const b = project("b/compose.yaml", "shop-web", "services:\n  api:\n    image: busybox\n")
    const c = project("c/compose.yaml", "other", "services:\n  api:\n    image: busybox\n")
    const result = crossProjectChecks([a, b, c])
    assert.deepStrictEqual([...result.errors.keys()].sort(), ["a/compose.yaml", "b/compose.yaml"])
    expect(result.errors.get("b/compose.yaml")?.[0]?.message).toBe(
      'container name "shop-web-api" is also claimed by a/compose.yaml:2:3',
    )
    expect(result.errors.get("a/compose.yaml")?.[0]?.message).toBe(
      'container name "shop-web-api" is also claimed by b/compose.yaml:2:3',
    )
  })

  it("refuse two projects with one fleet name", () => {
    const a = project("a/compose.yaml", "same", "name: same\nservices:\n  x:\n    image: busybox\n")
    const b = project("b/compose.yaml", "same", "services:\n  y:\n    image: busybox\n")
    const result = crossProjectChecks([a, b])
    expect(result.errors.get("a/compose.yaml")?.[0]?.message).toContain(
      "also the name of the project in b/compose.yaml",
    )
    expect(result.errors.get("b/compose.yaml")?.[0]?.message).toContain(
      "also the name of the project in a/compose.yaml",
    )
  })

  it("warn, naming both positions, when two projects publish one host port", () => {
    const a = project(
      "a/compose.yaml",
      "a",
      'services:\n  web:\n    image: busybox\n    ports: ["8080:80"]\n',
    )
    const b = project(
      "b/compose.yaml",
      "b",
      'services:\n  web:\n    image: busybox\n    ports: ["127.0.0.1:8080:8080"]\n',
    )
    const c = project(
      "c/compose.yaml",
      "c",
      'services:\n  web:\n    image: busybox\n    ports: ["8080:80/udp"]\n',
    )
    const result = crossProjectChecks([a, b, c])
    expect(result.errors.size).toBe(0)
    assert.deepStrictEqual(result.warnings, [
      "host port 8080/tcp is published by b/compose.yaml:4:12 (b/web) and by a/compose.yaml:4:12 (a/web); only one of them can run",
    ])
  })
})
