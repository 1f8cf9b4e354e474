import { describe, expect, it } from "vitest"
import { mergeService } from "../../../src/manifest/compose/mergeService.ts"
import type { FileFact } from "../../../src/manifest/manifestFiles.ts"
import { desired, file, issues, load } from "./support.ts"

const dir = (realPath: string): FileFact => ({ kind: "directory", realPath })
const service = (result: ReturnType<typeof load>, name: string) => {
  const found = desired(result).services.find((s) => s.name === name)
  if (found === undefined) throw new Error(`no service ${name}`)
  return found
}

describe("extends", () => {
  it("merges a service of the same file: mappings by key, sequences appended, one mount per target, command replaced", () => {
    const result = load(
      `services:
  base:
    image: busybox
    command: [sleep, "1"]
    environment: {A: "1", B: "1"}
    ports: ["80"]
    volumes: [./a:/data, ./keep:/keep]
    labels: [x=1]
  web:
    extends: base
    command: [sleep, "2"]
    environment: [B=2]
    ports: ["8081:81"]
    volumes: [./b:/data]
    labels: {y: "2"}
`,
      { files: { a: dir("/repo/a"), b: dir("/repo/b"), keep: dir("/repo/keep") } },
    )
    expect(service(result, "web").spec).toMatchObject({
      image: "busybox",
      command: ["sleep", "2"],
      env: ["A=1", "B=2"],
      ports: [{ target: 80 }, { target: 81, published: 8081 }],
      mounts: [
        { source: "/repo/b", target: "/data" },
        { source: "/repo/keep", target: "/keep" },
      ],
      labels: { x: "1", y: "2" },
    })
  })

  it("follows a chain of extends, as the Compose Specification's example does", () => {
    const result = load(
      "services:\n  base:\n    image: busybox\n    user: root\n  common:\n    image: busybox\n    extends: {service: base}\n  cli:\n    extends: {service: common}\n",
    )
    expect(service(result, "cli").spec).toMatchObject({ image: "busybox", user: "root" })
  })

  it("extends a service of another file, whose relative paths resolve from that file's directory", () => {
    const result = load(
      "services:\n  web:\n    extends: {file: common/base.yml, service: app}\n    environment: {LOCAL: here}\n",
      {
        files: {
          "common/base.yml": file(
            "services:\n  app:\n    image: busybox\n    env_file: app.env\n    volumes: [./data:/data]\n",
            "/repo/common/base.yml",
          ),
          "common/app.env": file("FROM=base\n", "/repo/common/app.env"),
          "common/data": dir("/repo/common/data"),
        },
      },
    )
    expect(service(result, "web").spec).toMatchObject({
      env: ["FROM=base", "LOCAL=here"],
      mounts: [{ type: "bind", source: "/repo/common/data", target: "/data" }],
    })
  })

  it("refuses a cycle, across files too", () => {
    expect(
      issues(
        load(
          "services:\n  a:\n    image: busybox\n    extends: b\n  b:\n    extends: {file: other.yml, service: c}\n",
          {
            files: {
              "other.yml": file(
                "services:\n  c:\n    extends: {file: fleet.yaml, service: a}\n",
                "/repo/other.yml",
              ),
            },
          },
        ),
      ),
    ).toEqual([
      "fleet.yaml:4:14: services.a.extends: extends cycle: fleet.yaml: a → fleet.yaml: b → other.yml: c → fleet.yaml: a",
    ])
  })

  it("points an issue in an inherited field into the base file, and names what is missing", () => {
    expect(
      issues(
        load(
          "services:\n  web:\n    extends: {file: base.yml, service: app}\n  gone:\n    image: busybox\n    extends: nothere\n  lost:\n    extends: {file: nofile.yml, service: x}\n",
          {
            files: {
              "base.yml": file(
                "services:\n  app:\n    image: busybox\n    restart: sometimes\n",
                "/repo/base.yml",
              ),
            },
          },
        ),
      ),
    ).toEqual([
      'fleet.yaml:6:14: services.gone.extends: extends: service "nothere" is not defined in this file',
      "fleet.yaml:8:5: services.lost: a service needs image: (the image to run) or build: (to build it), or both",
      "fleet.yaml:8:21: services.lost.extends.file: extends file nofile.yml does not exist in the repository",
      'base.yml:4:14: services.app.restart: "sometimes" is not a restart policy (no, always, on-failure[:N], unless-stopped)',
    ])
  })
})

describe("Compose's merge rules for extends", () => {
  it.each([
    ["command is replaced", { command: ["a", "b"] }, { command: "c" }, { command: "c" }],
    ["entrypoint is replaced", { entrypoint: ["a"] }, { entrypoint: ["b"] }, { entrypoint: ["b"] }],
    [
      "healthcheck merges, its test replaced",
      { healthcheck: { test: ["CMD", "a"], interval: "5s" } },
      { healthcheck: { test: ["CMD", "b"] } },
      { healthcheck: { test: ["CMD", "b"], interval: "5s" } },
    ],
    [
      "environment merges by key from either form",
      { environment: { A: "1", B: "1" } },
      { environment: ["B=2", "C"] },
      { environment: ["A=1", "B=2", "C"] },
    ],
    ["labels merge by key", { labels: ["a=1"] }, { labels: { a: "2" } }, { labels: ["a=2"] }],
    [
      "ports append, duplicates removed",
      { ports: ["80:80", "81:81"] },
      { ports: ["81:81", "82:82"] },
      { ports: ["80:80", "81:81", "82:82"] },
    ],
    [
      "volumes keep one per target, the service's winning",
      { volumes: ["a:/data", "./x:/x"] },
      { volumes: ["b:/data:ro"] },
      { volumes: ["b:/data:ro", "./x:/x"] },
    ],
    [
      "depends_on merges whatever its form",
      { depends_on: ["db"] },
      { depends_on: { cache: { condition: "service_healthy" } } },
      {
        depends_on: {
          db: { condition: "service_started", required: true },
          cache: { condition: "service_healthy" },
        },
      },
    ],
    [
      "networks merge as mappings",
      { networks: ["a"] },
      { networks: { b: { aliases: ["x"] } } },
      { networks: { a: null, b: { aliases: ["x"] } } },
    ],
    [
      "cap_add appends without duplicates",
      { cap_add: ["NET_ADMIN"] },
      { cap_add: ["NET_ADMIN", "SYS_TIME"] },
      { cap_add: ["NET_ADMIN", "SYS_TIME"] },
    ],
    [
      "env_file appends without duplicates",
      { env_file: "a.env" },
      { env_file: ["a.env", "b.env"] },
      { env_file: ["a.env", "b.env"] },
    ],
    [
      "extra_hosts appends new entries",
      { extra_hosts: ["a:1.1.1.1"] },
      { extra_hosts: { b: "2.2.2.2" } },
      { extra_hosts: ["a:1.1.1.1", "b=2.2.2.2"] },
    ],
    [
      "scalars are replaced",
      { restart: "always", user: "1" },
      { restart: "no" },
      { restart: "no", user: "1" },
    ],
    [
      "logging with another driver replaces the block",
      { logging: { driver: "json-file", options: { "max-size": "1m" } } },
      { logging: { driver: "syslog" } },
      { logging: { driver: "syslog" } },
    ],
    [
      "logging with the same driver merges options",
      { logging: { driver: "json-file", options: { "max-size": "1m" } } },
      { logging: { options: { "max-file": "3" } } },
      { logging: { driver: "json-file", options: { "max-size": "1m", "max-file": "3" } } },
    ],
    [
      "ulimits are replaced per name",
      { ulimits: { nofile: { soft: 1, hard: 2 } } },
      { ulimits: { nofile: { soft: 3 } } },
      { ulimits: { nofile: { soft: 3 } } },
    ],
  ])("%s", (_, base, local, expected) => {
    expect(mergeService(base, local)).toEqual(expected)
  })
})
