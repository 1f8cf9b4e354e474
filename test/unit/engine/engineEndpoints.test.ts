import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { engineEndpoints, findEngineEndpoint } from "../../../src/engine/engineEndpoints.ts"

const repo = join(import.meta.dirname, "../../..")

/** The rows of docs/engine-api.md's table, as the module would write them. */
const documentedRows = (): Array<string> =>
  readFileSync(join(repo, "docs/engine-api.md"), "utf8")
    .split("\n")
    .filter((line) => /^\| (GET|POST|PUT|DELETE) \|/.test(line))

const rowOf = (e: (typeof engineEndpoints)[number]) =>
  `| ${e.method} | \`${e.path}\` | ${e.versioned ? "yes" : "no"} | ${e.podmanOnly ? "podman" : e.swarmOnly ? "swarm manager" : "both"} | ${e.purpose} |`

describe("engineEndpoints", () => {
  it("is exactly the table in docs/engine-api.md, in the same order", () => {
    expect(documentedRows()).toEqual(engineEndpoints.map(rowOf))
  })

  it("lists every method and path once", () => {
    const keys = engineEndpoints.map((e) => `${e.method} ${e.path}`)
    expect(new Set(keys).size).toBe(keys.length)
  })

  it("matches requests as they go over the socket, with or without the API version", () => {
    expect(findEngineEndpoint("GET", "/version")?.path).toBe("/version")
    expect(findEngineEndpoint("GET", "/v1.41/containers/json")?.path).toBe("/containers/json")
    expect(findEngineEndpoint("GET", "/containers/json")?.path).toBe("/containers/json")
    expect(findEngineEndpoint("POST", "/v1.45/containers/abc123/start")?.path).toBe("/containers/{id}/start")
    expect(findEngineEndpoint("DELETE", "/v1.41/containers/web--next")?.path).toBe("/containers/{id}")
    expect(findEngineEndpoint("GET", "/v1.41/images/127.0.0.1:5000/team/app:v1/json")?.path).toBe(
      "/images/{name}/json",
    )
    expect(findEngineEndpoint("GET", "/v1.41/images/127.0.0.1%3A5000%2Fteam%2Fapp%3Av1/json")?.path).toBe(
      "/images/{name}/json",
    )
    expect(findEngineEndpoint("GET", "/v4.0.0/libpod/containers/abc/healthcheck")?.podmanOnly).toBe(true)
  })

  it("refuses what fleetd never asks for", () => {
    for (const [method, path] of [
      ["POST", "/v1.41/swarm/init"],
      ["GET", "/_ping"],
      ["POST", "/v1.41/events"],
      ["POST", "/v1.41/containers/abc/attach"],
      ["POST", "/v1.41/containers/abc/update"],
      ["POST", "/v1.41/containers/prune"],
      ["DELETE", "/v1.41/images/fleetd-test/app:v1"],
      ["POST", "/v1.41/images/app/push"],
      ["GET", "/v1.41/containers/abc/archive"],
      // The method counts: a list is not a create.
      ["POST", "/v1.41/containers/json"],
      // One segment means one: no smuggling a path through an id.
      ["POST", "/v1.41/containers/a/b/start"],
      ["POST", "/v1.41/containers/a%2Fb/start"],
      ["GET", "/v1.41/containers/../info/json"],
      ["GET", "/v1.41/images/app/../../info/json"],
      ["GET", "/v1.41/secrets/abc"],
      // The libpod paths are not versioned, and /version is asked before negotiating.
      ["GET", "/v1.41/v4.0.0/libpod/containers/abc/healthcheck"],
      ["GET", "/v1.41/version"],
      ["GET", "/v1.41/containers/%zz/json"],
    ] as const)
      expect(findEngineEndpoint(method, path), `${method} ${path}`).toBeUndefined()
  })

  it("covers every raw request path in src/engine", () => {
    // dockerode's own methods are covered by the end-to-end run behind the allow-list
    // proxy; the paths fleetd dials itself are checked here, where they are written.
    const dir = join(repo, "src/engine")
    const paths = readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .flatMap((f) =>
        [...readFileSync(join(dir, f), "utf8").matchAll(/\bpath: [`"](\/[^`"]*)[`"]/g)].map((m) => ({
          file: f,
          path: (m[1] ?? "").replace(/\$\{[^}]*\}/g, "x").replace(/\?$/, ""),
        })),
      )
    expect(paths.length).toBeGreaterThan(3)
    for (const { file, path } of paths)
      expect(
        ["GET", "POST", "PUT", "DELETE"].some((method) => findEngineEndpoint(method, path) !== undefined),
        `${file}: ${path} is not in src/engine/engineEndpoints.ts`,
      ).toBe(true)
  })
})
