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
      'fleet.yaml:7:21: services.b.container_name: container name "app--next" must not end with "--next" or "--prev": fleetd names replacements that way',
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
