// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} syntax is the subject under test
import { Effect, Result } from "effect"
import { describe, expect, it } from "vitest"
import { diskDirectory } from "../../../src/manifest/discoverProjects.ts"
import { loadManifest } from "../../../src/manifest/loadManifest.ts"
import { loadProjects } from "../../../src/manifest/loadProjects.ts"
import { formatManifestError } from "../../../src/manifest/ManifestError.ts"
import { parseProjectPatterns } from "../../../src/manifest/projectGlob.ts"
import { type Entry, memoryFileSystem } from "../../support/memoryFileSystem.ts"

const load = (entries: Record<string, Entry>, environment: Record<string, string> = {}) =>
  Effect.runPromise(
    Effect.result(loadManifest("/repo/fleet.yaml", { fleet: "t", environment })).pipe(
      Effect.provide(memoryFileSystem(entries)),
    ),
  )

describe("the loader on an in-memory FileSystem", () => {
  it("reads the manifest, its .env, nested includes with their own .env, and watches every file it looked at", async () => {
    const result = await load({
      "/repo/fleet.yaml": "include: [apps/web/compose.yml]\nservices:\n  root:\n    image: busybox:${TAG}\n",
      "/repo/.env": "TAG=1\n",
      "/repo/apps/web/compose.yml":
        "include: [../db/compose.yml]\nservices:\n  web:\n    image: busybox:${WEB_TAG}\n    env_file: web.env\n",
      "/repo/apps/web/.env": "WEB_TAG=2\n",
      "/repo/apps/web/web.env": "W=1\n",
      "/repo/apps/db/compose.yml": "services:\n  db:\n    image: busybox\n    volumes: [./data:/data]\n",
      "/repo/apps/db/data/.keep": "",
    })
    if (Result.isFailure(result)) throw new Error(formatManifestError(result.failure))
    const loaded = result.success
    expect(
      loaded.desired.services.map((s) => [
        s.name,
        s.spec.image,
        s.spec.env,
        s.spec.mounts.map((m) => ("source" in m ? m.source : m.target)),
      ]),
    ).toEqual([
      ["db", "busybox", [], ["/repo/apps/db/data"]],
      ["root", "busybox:1", [], []],
      ["web", "busybox:2", ["W=1"], []],
    ])
    expect([...loaded.files].sort()).toEqual([
      "/repo/.env",
      "/repo/apps/db/.env",
      "/repo/apps/db/compose.yml",
      "/repo/apps/web/.env",
      "/repo/apps/web/compose.yml",
      "/repo/apps/web/web.env",
      "/repo/fleet.yaml",
    ])
  })

  it("refuses an included symlink that leads out of the repository, naming where it points", async () => {
    const result = await load({
      "/repo/fleet.yaml": "include: [shared.yml]\n",
      "/repo/shared.yml": { symlink: "/outside/compose.yml" },
      "/outside/compose.yml": "services: {}\n",
    })
    expect(Result.isFailure(result) && formatManifestError(result.failure)).toBe(
      "/repo/fleet.yaml:1:11: include[0]: included file shared.yml resolves to /outside/compose.yml, outside the repository",
    )
  })

  it("names the included file in an issue inside it, beside the manifest as the user named it", async () => {
    const result = await load({
      "/repo/fleet.yaml": "include: [app/compose.yml]\n",
      "/repo/app/compose.yml": "services:\n  app:\n    image: busybox\n    ports: [nope]\n",
    })
    expect(Result.isFailure(result) && formatManifestError(result.failure)).toBe(
      '/repo/app/compose.yml:4:13: services.app.ports[0]: container port "nope" is not a port number or range',
    )
  })

  it("lists a build context as the builder gets it: .dockerignore applied, symlinks as symlinks", async () => {
    const result = await load({
      "/repo/fleet.yaml": "services:\n  app:\n    image: app:1\n    build: ./app\n",
      "/repo/app/Dockerfile": "FROM busybox\n",
      "/repo/app/.dockerignore": "secret.txt\n",
      "/repo/app/secret.txt": "no\n",
      "/repo/app/src/main.sh": "echo hi\n",
      "/repo/app/current": { symlink: "src/main.sh" },
    })
    if (Result.isFailure(result)) throw new Error(formatManifestError(result.failure))
    expect(result.success.files.filter((f) => f.startsWith("/repo/app/")).sort()).toEqual([
      "/repo/app/.dockerignore",
      "/repo/app/Dockerfile",
      "/repo/app/current",
      "/repo/app/src/main.sh",
    ])
  })

  it("discovers projects without walking into a symlinked directory, and names an invalid one from its YAML", async () => {
    const result = await Effect.runPromise(
      loadProjects("/repo", parseProjectPatterns(["services/*"]), diskDirectory("/repo"), {
        environment: {},
      }).pipe(
        Effect.provide(
          memoryFileSystem({
            "/repo/services/web/compose.yaml": "services:\n  web:\n    image: busybox\n",
            "/repo/services/db/compose.yml": "name: database\nservices:\n  db:\n    bogus: 1\n",
            "/repo/services/elsewhere": { symlink: "/outside" },
            "/outside/compose.yaml": "services:\n  x:\n    image: busybox\n",
          }),
        ),
      ),
    )
    expect(result.projects.map((p) => [p.dir, p.fleet, Result.isSuccess(p.loaded)])).toEqual([
      ["services/db", "database", false],
      ["services/web", "web", true],
    ])
  })
})
