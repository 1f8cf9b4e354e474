import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { fleetJsonSchemaText } from "../../../src/manifest/fleetJsonSchema.ts"
import { loadManifest } from "../../../src/manifest/loadManifest.ts"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const example = `${repoRoot}fleet.example.yaml`

describe("fleet.example.yaml and the generated JSON Schema", () => {
  it("loads the example into the fleet it describes", async () => {
    const { desired, warnings } = await Effect.runPromise(
      loadManifest(example, { fleet: "example", environment: {} }).pipe(Effect.provide(NodeFileSystem.layer)),
    )
    expect(warnings).toEqual([])
    expect(desired.services.map((s) => [s.containerName, s.spec.image, s.fixedHostPorts])).toEqual([
      ["example-db", "busybox:1.36", false],
      ["example-web", "busybox:1.36", true],
      ["example-worker", "busybox:1.36", false],
    ])
    expect(desired.networks.map((n) => n.name)).toEqual(["example_default"])
    expect(desired.volumes.map((v) => v.name)).toEqual(["example_data"])
    const [db, web, worker] = desired.services
    expect(web!.spec).toMatchObject({
      command: ["httpd", "-f", "-p", "8080", "-h", "/www"],
      ports: [{ target: 8080, protocol: "tcp", published: 8080, hostIp: "127.0.0.1" }],
      mounts: [{ type: "bind", source: `${repoRoot}example/site`, target: "/www", readOnly: true }],
      healthcheck: { test: ["CMD-SHELL", "wget -q -O- http://127.0.0.1:8080/ >/dev/null"] },
      stopGracePeriodSeconds: 3,
    })
    expect(db!.spec.mounts).toEqual([
      { type: "volume", source: "example_data", target: "/data", readOnly: false },
    ])
    expect(worker!.spec.env).toEqual(["INTERVAL=5", "LOG_LEVEL=info", "WORKER_NAME=example-worker"])
    expect(worker!.spec.command?.[2]).toContain("sleep $INTERVAL")
    expect(worker!.dependsOn.map((d) => d.service)).toEqual(["db", "web"])
  })

  it("is accepted by docker-compose config", () => {
    expect(() =>
      execFileSync("/usr/bin/docker-compose", ["-f", example, "config", "-q"], {
        cwd: repoRoot,
        stdio: "pipe",
      }),
    ).not.toThrow()
  })

  it("points editors at the schema with a modeline", () => {
    expect(readFileSync(example, "utf8").split("\n")[0]).toBe(
      "# yaml-language-server: $schema=./schemas/fleet.schema.json",
    )
  })

  it("has a checked-in schemas/fleet.schema.json that matches the Schema (run npm run schema)", () => {
    expect(readFileSync(`${repoRoot}schemas/fleet.schema.json`, "utf8")).toBe(fleetJsonSchemaText())
  })
})
