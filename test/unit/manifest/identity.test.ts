import { describe, expect, it } from "vitest"
import { desired, issues, load } from "./support.ts"

/** `container_name` and `profiles`: which container a service is, and whether it runs. */
const yaml = (...lines: ReadonlyArray<string>) => ["services:", ...lines].join("\n")

describe("container_name", () => {
  it("names the container, and network_mode service: and volumes_from resolve to it", () => {
    const d = desired(
      load(
        yaml(
          "  db:",
          "    image: busybox",
          "    container_name: postgres",
          "  sidecar:",
          "    image: busybox",
          "    network_mode: service:db",
          "    volumes_from: [db:ro]",
          "  linked:",
          "    image: busybox",
          "    links: [db]",
          "  web:",
          "    image: busybox",
        ),
      ),
    )
    const byName = Object.fromEntries(d.services.map((s) => [s.name, s]))
    expect(byName["db"]?.containerName).toBe("postgres")
    expect(byName["db"]?.fixedName).toBe(true)
    expect(byName["web"]?.containerName).toBe("demo-web")
    expect(byName["web"]?.fixedName).toBeUndefined()
    expect(byName["sidecar"]?.spec.networkMode).toBe("container:postgres")
    expect(byName["linked"]?.spec.links).toEqual([{ service: "db", container: "postgres", alias: "db" }])
    expect(byName["sidecar"]?.spec.volumesFrom).toEqual([
      { container: "postgres", readOnly: true, managed: true },
    ])
  })

  it("refuses an invalid container name and the names fleetd gives replacements", () => {
    expect(
      issues(
        load(
          yaml(
            "  a:",
            "    image: busybox",
            "    container_name: -bad",
            "  b:",
            "    image: busybox",
            "    container_name: app--next",
          ),
        ),
      ),
    ).toEqual([
      'fleet.yaml:4:21: services.a.container_name: "-bad" is not a valid container name (letters, digits, "_", "." and "-", starting with a letter or digit, at least 2 characters)',
      'fleet.yaml:7:21: services.b.container_name: container name "app--next" must not end with "--next", "--prev" or "--prev-<number>": fleetd names replacements that way',
    ])
  })

  it("refuses two services claiming one container name, at both positions", () => {
    expect(
      issues(
        load(
          yaml(
            "  a:",
            "    image: busybox",
            "    container_name: shared",
            "  b:",
            "    image: busybox",
            "    container_name: shared",
            "  c:",
            "    image: busybox",
            "  d:",
            "    image: busybox",
            "    container_name: demo-c",
          ),
        ),
      ),
    ).toEqual([
      'fleet.yaml:4:21: services.a.container_name: container name "shared" is also claimed by services.b.container_name (rename one of them)',
      'fleet.yaml:7:21: services.b.container_name: container name "shared" is also claimed by services.a.container_name (rename one of them)',
      'fleet.yaml:8:3: services.c: container name "demo-c" is also claimed by services.d.container_name (rename one of them)',
      'fleet.yaml:12:21: services.d.container_name: container name "demo-c" is also claimed by services.c (rename one of them)',
    ])
  })
})
describe("profiles", () => {
  const manifest = yaml(
    "  web:",
    "    image: busybox",
    "  debug:",
    "    image: busybox",
    "    profiles: [debug, tools]",
    "  admin:",
    "    image: busybox",
    "    profiles: [admin]",
  )
  const active = (options: Parameters<typeof load>[1]) =>
    desired(load(manifest, options)).services.map((s) => s.name)

  it("keeps services with profiles out unless one of their profiles is enabled", () => {
    expect(active({})).toEqual(["web"])
    expect(active({ profiles: ["tools"] })).toEqual(["debug", "web"])
    expect(active({ profiles: ["debug", "admin"] })).toEqual(["admin", "debug", "web"])
    expect(active({ profiles: ["*"] })).toEqual(["admin", "debug", "web"])
  })

  it("reads COMPOSE_PROFILES (comma-separated) from the environment or .env when no --profile is given", () => {
    expect(active({ environment: { COMPOSE_PROFILES: "admin, tools" } })).toEqual(["admin", "debug", "web"])
    expect(active({ dotEnv: "COMPOSE_PROFILES=admin\n" })).toEqual(["admin", "web"])
    expect(active({ environment: { COMPOSE_PROFILES: "admin" }, profiles: ["debug"] })).toEqual([
      "debug",
      "web",
    ])
  })

  it("refuses an active service that requires an inactive one, as Compose does, and drops optional ones", () => {
    const text = yaml(
      "  web:",
      "    image: busybox",
      "    depends_on:",
      "      db: { condition: service_started }",
      "      cache: { condition: service_started, required: false }",
      "  db:",
      "    image: busybox",
      "    profiles: [db]",
      "  cache:",
      "    image: busybox",
      "    profiles: [cache]",
    )
    expect(issues(load(text))).toEqual([
      'fleet.yaml:5:7: services.web.depends_on.db: needs service "db", which is not active: none of its profiles (db) is enabled (enable one with --profile or COMPOSE_PROFILES, or make the dependency required: false)',
    ])
    const d = desired(load(text, { profiles: ["db"] }))
    expect(d.services.find((s) => s.name === "web")?.dependsOn.map((x) => x.service)).toEqual(["db"])
  })

  it("points at the list entry when a depends_on list names an inactive service", () => {
    const text = yaml(
      "  web:",
      "    image: busybox",
      "    depends_on: [cache, db]",
      "  cache:",
      "    image: busybox",
      "  db:",
      "    image: busybox",
      "    profiles: [db]",
    )
    expect(issues(load(text))).toEqual([
      'fleet.yaml:4:25: services.web.depends_on[1]: needs service "db", which is not active: none of its profiles (db) is enabled (enable one with --profile or COMPOSE_PROFILES, or make the dependency required: false)',
    ])
  })

  it("refuses a profile name Compose would refuse", () => {
    expect(issues(load(yaml("  a:", "    image: busybox", '    profiles: ["bad name"]')))).toEqual([
      'fleet.yaml:4:16: services.a.profiles[0]: "bad name" is not a valid profile name',
    ])
  })
})
