// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} syntax is the subject under test
import { describe, expect, it } from "vitest"
import { desired, file, issues, load } from "./support.ts"

const service = (yaml: string, options: Parameters<typeof load>[1] = {}) => {
  const state = desired(load(`services:\n  web:\n    image: busybox:1.36\n${yaml}`, options))
  return state.services[0]!
}

describe("normalization of Compose field forms", () => {
  it("defaults a bare service and joins it to the fleet's default network", () => {
    const state = desired(load("services:\n  web:\n    image: busybox\n"))
    expect(state.networks).toEqual([
      {
        key: "default",
        name: "demo_default",
        driver: "bridge",
        internal: false,
        labels: {},
        external: false,
      },
    ])
    expect(state.services[0]).toMatchObject({
      name: "web",
      containerName: "demo-web",
      pullPolicy: "missing",
      fixedHostPorts: false,
      dependsOn: [],
      spec: {
        image: "busybox",
        env: [],
        ports: [],
        mounts: [],
        networks: [{ name: "demo_default", aliases: ["web"] }],
        labels: {},
        restart: "no",
        readOnly: false,
        tmpfs: {},
        init: false,
        extraHosts: [],
      },
    })
    expect(state.services[0]!.spec).not.toHaveProperty("command")
  })

  it("splits string commands like a shell and keeps lists as written", () => {
    const s = service(`    command: sh -c 'echo "a b"'\n    entrypoint: ["/bin/tini", "--"]\n`)
    expect(s.spec.command).toEqual(["sh", "-c", 'echo "a b"'])
    expect(s.spec.entrypoint).toEqual(["/bin/tini", "--"])
  })

  it("merges env_file under environment, sorted, from map and list forms", () => {
    const files = { "app.env": file("B=from-file\nC=file-only\n", "/repo/app.env") }
    const mapForm = service(
      "    env_file: app.env\n    environment:\n      B: from-env\n      N: 1\n      T: true\n      FROM_HOST:\n      GONE:\n",
      { files, environment: { FROM_HOST: "host" } },
    )
    expect(mapForm.spec.env).toEqual(["B=from-env", "C=file-only", "FROM_HOST=host", "N=1", "T=true"])
    const listForm = service(
      '    env_file: [{path: app.env, required: true}, {path: missing.env, required: false}]\n    environment: ["Z=1", "A=x=y"]\n',
      { files },
    )
    expect(listForm.spec.env).toEqual(["A=x=y", "B=from-file", "C=file-only", "Z=1"])
  })

  it("changes the config hash when an env_file's content changes", () => {
    const a = service("    env_file: app.env\n", { files: { "app.env": file("A=1\n", "/repo/app.env") } })
    const b = service("    env_file: app.env\n", { files: { "app.env": file("A=2\n", "/repo/app.env") } })
    expect(a.configHash).not.toBe(b.configHash)
  })

  it("expands and sorts ports from every syntax", () => {
    const s = service(
      '    ports:\n      - "127.0.0.1:8080:80/udp"\n      - "9000-9001:9000-9001"\n      - 53\n      - {target: 443, published: "8443", host_ip: 127.0.0.1, protocol: tcp, mode: host}\n',
    )
    expect(s.spec.ports).toEqual([
      { target: 53, protocol: "tcp" },
      { target: 80, protocol: "udp", published: 8080, hostIp: "127.0.0.1" },
      { target: 443, protocol: "tcp", published: 8443, hostIp: "127.0.0.1" },
      { target: 9000, protocol: "tcp", published: 9000 },
      { target: 9001, protocol: "tcp", published: 9001 },
    ])
    expect(s.fixedHostPorts).toBe(true)
  })

  it("resolves mounts: named volumes, real bind paths, anonymous and tmpfs, sorted by target", () => {
    const state = desired(
      load(
        `services:
  web:
    image: busybox
    volumes:
      - data:/var/data
      - ./conf/app.conf:/etc/app.conf:ro
      - /scratch
      - {type: bind, source: ./site, target: /www, read_only: true}
      - {type: volume, source: ext, target: /ext}
      - {type: tmpfs, target: /run, tmpfs: {size: 1000, mode: 0o1777}}
    tmpfs: [/tmp, "/cache:size=64m"]
volumes:
  data: {labels: {tier: db}}
  ext: {external: true, name: shared-data}
`,
        {
          files: {
            "conf/app.conf": file("x", "/repo/conf/app.conf"),
            site: { kind: "directory", realPath: "/repo/site" },
          },
        },
      ),
    )
    expect(state.volumes).toEqual([
      { key: "data", name: "demo_data", driver: "local", labels: { tier: "db" }, external: false },
      { key: "ext", name: "shared-data", driver: "local", labels: {}, external: true },
    ])
    const spec = state.services[0]!.spec
    expect(spec.mounts).toEqual([
      { type: "bind", source: "/repo/conf/app.conf", target: "/etc/app.conf", readOnly: true },
      { type: "volume", source: "shared-data", target: "/ext", readOnly: false },
      { type: "anonymous", target: "/scratch", readOnly: false },
      { type: "volume", source: "demo_data", target: "/var/data", readOnly: false },
      { type: "bind", source: "/repo/site", target: "/www", readOnly: true },
    ])
    expect(spec.tmpfs).toEqual({ "/tmp": "", "/cache": "size=64m", "/run": "size=1000,mode=1777" })
  })

  it("attaches named networks with aliases, and resolves network_mode service:x", () => {
    const state = desired(
      load(`services:
  web:
    image: busybox
    networks:
      front: {aliases: [www]}
      back:
  sidecar:
    image: busybox
    network_mode: service:web
  hosty:
    image: busybox
    network_mode: host
networks:
  front: {driver: bridge, internal: true, labels: [team=web]}
  back: {external: true}
`),
    )
    expect(state.networks.map((n) => [n.key, n.name, n.internal, n.external])).toEqual([
      ["back", "back", false, true],
      ["front", "demo_front", true, false],
    ])
    const [hosty, sidecar, web] = state.services
    expect(web!.spec.networks).toEqual([
      { name: "back", aliases: ["web"] },
      { name: "demo_front", aliases: ["web", "www"] },
    ])
    expect(sidecar!.spec).toMatchObject({ networkMode: "container:demo-web", networks: [] })
    expect(hosty!.spec).toMatchObject({ networkMode: "host", networks: [] })
  })

  it("converts restart, durations, sizes, cpus, healthcheck and the scalar fields", () => {
    const s = service(`    restart: on-failure:3
    user: "1000:1000"
    working_dir: /app
    hostname: web1
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    read_only: true
    init: true
    mem_limit: 512m
    cpus: "0.5"
    pull_policy: if_not_present
    labels: ["b=2", "a=1"]
    extra_hosts: ["db:10.0.0.2", "cache=10.0.0.3"]
    healthcheck:
      test: wget -q -O- http://127.0.0.1/
      interval: 10s
      timeout: 500ms
      start_period: 1m
      retries: 3
`)
    expect(s.pullPolicy).toBe("missing")
    expect(s.spec).toMatchObject({
      restart: "on-failure",
      restartMaxRetries: 3,
      user: "1000:1000",
      workingDir: "/app",
      hostname: "web1",
      stopSignal: "SIGINT",
      stopGracePeriodSeconds: 90,
      readOnly: true,
      init: true,
      memLimitBytes: 512 * 1024 * 1024,
      nanoCpus: 500_000_000,
      labels: { a: "1", b: "2" },
      extraHosts: ["cache:10.0.0.3", "db:10.0.0.2"],
      healthcheck: {
        test: ["CMD-SHELL", "wget -q -O- http://127.0.0.1/"],
        intervalNs: 10e9,
        timeoutNs: 5e8,
        startPeriodNs: 60e9,
        retries: 3,
      },
    })
    expect(service("    healthcheck: {disable: true}\n    extra_hosts: {db: 10.0.0.2}\n").spec).toMatchObject(
      {
        healthcheck: { test: ["NONE"] },
        extraHosts: ["db:10.0.0.2"],
      },
    )
  })

  it("reads depends_on in both forms, sorted by service", () => {
    const state = desired(
      load(`services:
  a: {image: busybox, depends_on: [c, b]}
  b: {image: busybox, depends_on: {c: {condition: service_healthy}, gone: {required: false}}}
  c: {image: busybox}
`),
    )
    expect(state.services.map((s) => s.dependsOn)).toEqual([
      [
        { service: "b", condition: "service_started", required: true },
        { service: "c", condition: "service_started", required: true },
      ],
      [
        { service: "c", condition: "service_healthy", required: true },
        { service: "gone", condition: "service_started", required: false },
      ],
      [],
    ])
  })

  it("interpolates values from the environment and .env, the environment winning, never keys", () => {
    const result = load(
      'services:\n  web:\n    image: "busybox:${TAG}"\n    environment:\n      ${KEY}: "$$HOME ${FROM_DOTENV} ${MISSING}"\n',
      {
        environment: { TAG: "1.36" },
        dotEnv: "TAG=old\nFROM_DOTENV=dot\n",
      },
    )
    const state = desired(result)
    expect(state.services[0]!.spec.image).toBe("busybox:1.36")
    expect(state.services[0]!.spec.env).toEqual(["${KEY}=$HOME dot "])
    expect(result.warnings).toEqual([
      'fleet.yaml:5:15: services.web.environment["${KEY}"]: variable MISSING is not set; substituting an empty string',
    ])
  })

  it("accepts YAML anchors and merge keys kept under x-*", () => {
    const state = desired(
      load(
        "x-base: &base\n  image: busybox\n  restart: always\nservices:\n  a:\n    <<: *base\n  b:\n    <<: *base\n    restart: 'no'\n",
      ),
    )
    expect(state.services.map((s) => [s.name, s.spec.image, s.spec.restart])).toEqual([
      ["a", "busybox", "always"],
      ["b", "busybox", "no"],
    ])
  })

  it("reports an empty services map distinctly instead of failing", () => {
    for (const yaml of ["services: {}\n", "services:\n", "name: demo\n"]) {
      const result = load(yaml)
      expect(desired(result).services).toEqual([])
      expect(
        result.warnings.some((w) =>
          w.includes('has no services; applying it would remove every container of fleet "demo"'),
        ),
      ).toBe(true)
    }
  })

  it("names the fleet from the option, then name:, then the directory", () => {
    expect(desired(load("name: named\nservices: {}\n", { fleet: "opt" })).fleet).toBe("opt")
    expect(desired(load("name: named\nservices: {}\n", { fleet: undefined })).fleet).toBe("named")
    expect(desired(load("services: {}\n", { fleet: undefined })).fleet).toBe("repo")
    expect(issues(load("services: {}\n", { fleet: "Bad!" }))).toEqual([
      'fleet.yaml:1:1: fleet name "Bad!" must match ^[a-z0-9][a-z0-9_-]*$ (lowercase letters, digits, _ and -)',
    ])
  })

  it("gives equal specs and hashes to manifests that mean the same", () => {
    const a = service('    environment: {B: "2", A: "1"}\n    ports: ["81:81", "80:80"]\n')
    const b = service('    environment: ["A=1", "B=2"]\n    ports: ["80:80", {target: 81, published: 81}]\n')
    expect(a.spec).toEqual(b.spec)
    expect(a.configHash).toBe(b.configHash)
  })
})
