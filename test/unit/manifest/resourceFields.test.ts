// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} syntax is under test
import { describe, expect, it } from "vitest"
import { toCreateBody } from "../../../src/engine/toCreateBody.ts"
import { desired, issues, load } from "./support.ts"

const head = "services:\n  web:\n    image: busybox\n"
const web = (yaml: string, environment: Record<string, string> = {}) =>
  desired(load(`${head}${yaml}`, { environment })).services[0]!

/** Manifest lines → normalized spec fields → the HostConfig fields docker compose v2 sends. */
const table: ReadonlyArray<readonly [string, Record<string, unknown>, Record<string, unknown>]> = [
  [
    "    ulimits: {nproc: 65535, nofile: {soft: 20000, hard: 40000}}",
    {
      ulimits: [
        { name: "nofile", soft: 20000, hard: 40000 },
        { name: "nproc", soft: 65535, hard: 65535 },
      ],
    },
    {
      Ulimits: [
        { Name: "nofile", Soft: 20000, Hard: 40000 },
        { Name: "nproc", Soft: 65535, Hard: 65535 },
      ],
    },
  ],
  ["    pids_limit: 100", { pidsLimit: 100 }, { PidsLimit: 100 }],
  ["    pids_limit: -1", { pidsLimit: -1 }, { PidsLimit: -1 }],
  ["    shm_size: 256m", { shmSizeBytes: 268435456 }, { ShmSize: 268435456 }],
  ["    shm_size: 1073741824", { shmSizeBytes: 1073741824 }, { ShmSize: 1073741824 }],
  [
    "    mem_limit: 1g\n    mem_reservation: 512m\n    memswap_limit: 2g\n    mem_swappiness: 10",
    {
      memLimitBytes: 1073741824,
      memReservationBytes: 536870912,
      memSwapBytes: 2147483648,
      memSwappiness: 10,
    },
    { Memory: 1073741824, MemoryReservation: 536870912, MemorySwap: 2147483648, MemorySwappiness: 10 },
  ],
  ["    memswap_limit: -1", { memSwapBytes: -1 }, { MemorySwap: -1 }],
  [
    "    cpu_shares: 512\n    cpuset: 0-1\n    cpu_quota: 50000\n    cpu_period: 100000",
    { cpuShares: 512, cpusetCpus: "0-1", cpuQuota: 50000, cpuPeriod: 100000 },
    { CpuShares: 512, CpusetCpus: "0-1", CpuQuota: 50000, CpuPeriod: 100000 },
  ],
  ["    cpu_count: 2\n    cpu_percent: 50", { cpuCount: 2, cpuPercent: 50 }, { CpuCount: 2, CpuPercent: 50 }],
  [
    "    oom_score_adj: -500\n    oom_kill_disable: true",
    { oomScoreAdj: -500, oomKillDisable: true },
    { OomScoreAdj: -500, OomKillDisable: true },
  ],
  [
    "    group_add: [audio, 1001, '44']",
    { groupAdd: ["audio", "1001", "44"] },
    { GroupAdd: ["audio", "1001", "44"] },
  ],
  ["    runtime: runc", { runtime: "runc" }, { Runtime: "runc" }],
  [
    '    device_cgroup_rules: ["c 1:3  mr", "a 7:* rmw"]',
    { deviceCgroupRules: ["c 1:3 mr", "a 7:* rmw"] },
    { DeviceCgroupRules: ["c 1:3 mr", "a 7:* rmw"] },
  ],
  [
    "    gpus: all",
    { deviceRequests: [{ count: -1, capabilities: [["gpu"]] }] },
    {
      DeviceRequests: [{ Driver: "", Count: -1, DeviceIDs: null, Capabilities: [["gpu"]], Options: null }],
    },
  ],
  [
    "    gpus: [{driver: nvidia, device_ids: ['0', '1'], capabilities: [compute]}]",
    { deviceRequests: [{ driver: "nvidia", deviceIds: ["0", "1"], capabilities: [["compute", "gpu"]] }] },
    {
      DeviceRequests: [
        {
          Driver: "nvidia",
          Count: 0,
          DeviceIDs: ["0", "1"],
          Capabilities: [["compute", "gpu"]],
          Options: null,
        },
      ],
    },
  ],
  [
    [
      "    deploy:",
      "      resources:",
      "        limits: {cpus: '0.5', memory: 256m, pids: 64}",
      "        reservations:",
      "          memory: 128m",
      "          devices: [{driver: nvidia, count: 1, capabilities: [gpu, utility], options: {a: b}}]",
    ].join("\n"),
    {
      nanoCpus: 500000000,
      memLimitBytes: 268435456,
      pidsLimit: 64,
      memReservationBytes: 134217728,
      deviceRequests: [
        { driver: "nvidia", count: 1, capabilities: [["gpu", "utility"]], options: { a: "b" } },
      ],
    },
    {
      NanoCpus: 500000000,
      Memory: 268435456,
      PidsLimit: 64,
      MemoryReservation: 134217728,
      DeviceRequests: [
        {
          Driver: "nvidia",
          Count: 1,
          DeviceIDs: null,
          Capabilities: [["gpu", "utility"]],
          Options: { a: "b" },
        },
      ],
    },
  ],
  [
    "    deploy: {resources: {reservations: {devices: [{capabilities: [gpu]}]}}}",
    { deviceRequests: [{ count: -1, capabilities: [["gpu"]] }] },
    {
      DeviceRequests: [{ Driver: "", Count: -1, DeviceIDs: null, Capabilities: [["gpu"]], Options: null }],
    },
  ],
  [
    "    deploy: {restart_policy: {condition: on-failure, max_attempts: 3}}",
    { restart: "on-failure", restartMaxRetries: 3 },
    { RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 } },
  ],
  [
    "    deploy: {restart_policy: {condition: any}}",
    { restart: "always" },
    { RestartPolicy: { Name: "always", MaximumRetryCount: 0 } },
  ],
  [
    "    deploy: {restart_policy: {condition: none}}",
    { restart: "no" },
    { RestartPolicy: { Name: "no", MaximumRetryCount: 0 } },
  ],
]

describe("resource and runtime fields", () => {
  it.each(table)("%s", (yaml, specFields, hostFields) => {
    const service = web(yaml)
    expect(service.spec).toMatchObject(specFields)
    expect(toCreateBody(service.spec, {}).body.HostConfig).toMatchObject(hostFields)
  })

  it("takes numbers written as strings, as ${VAR} interpolation gives them", () => {
    const service = web(
      "    pids_limit: ${PIDS}\n    cpu_shares: '256'\n    ulimits: {nofile: {soft: '${SOFT}', hard: 2048}}\n",
      { PIDS: "50", SOFT: "1024" },
    )
    expect(service.spec).toMatchObject({
      pidsLimit: 50,
      cpuShares: 256,
      ulimits: [{ name: "nofile", soft: 1024, hard: 2048 }],
    })
  })

  it("takes user and environment values written as numbers or booleans", () => {
    expect(web("    user: 1000\n").spec.user).toBe("1000")
    expect(web('    user: "1000:1000"\n').spec.user).toBe("1000:1000")
    expect(web("    environment: {PORT: 8080, DEBUG: false, RATIO: 1.5}\n").spec.env).toEqual([
      "DEBUG=false",
      "PORT=8080",
      "RATIO=1.5",
    ])
  })

  it("leaves every new field out of specs that do not use them, so their hash is unchanged", () => {
    const plain = web("")
    const zeros = web(
      "    mem_swappiness: 0\n    cpu_shares: 0\n    oom_score_adj: 0\n    oom_kill_disable: false\n",
    )
    expect(zeros.spec).toEqual(plain.spec)
    expect(zeros.configHash).toBe(plain.configHash)
    expect(Object.keys(toCreateBody(plain.spec, {}).body.HostConfig).sort()).toEqual([
      "ExtraHosts",
      "Mounts",
      "NetworkMode",
      "PortBindings",
      "ReadonlyRootfs",
      "RestartPolicy",
      "Tmpfs",
    ])
  })

  it("changes the hash when a limit changes", () => {
    expect(web("    pids_limit: 100\n").configHash).not.toBe(web("    pids_limit: 101\n").configHash)
  })

  it("sends platform as the create call's query parameter, not in the body", () => {
    const plan = toCreateBody(web("    platform: linux/amd64\n").spec, {})
    expect(plan.query).toEqual({ platform: "linux/amd64" })
    expect(JSON.stringify(plan.body)).not.toContain("linux/amd64")
    expect(toCreateBody(web("").spec, {}).query).toEqual({})
  })

  it("lets deploy.restart_policy win over restart, with a warning naming both", () => {
    const result = load(`${head}    restart: always\n    deploy: {restart_policy: {condition: on-failure}}\n`)
    expect(desired(result).services[0]!.spec.restart).toBe("on-failure")
    expect(result.warnings).toEqual([
      "fleet.yaml:4:14: services.web.restart: restart: always is overridden by deploy.restart_policy (on-failure), as docker compose does",
    ])
  })

  it("accepts the Swarm-only deploy keys with a warning naming each", () => {
    const result = load(
      `${head}    deploy:\n      replicas: 1\n      mode: global\n      endpoint_mode: dnsrr\n      labels: {a: b}\n      update_config: {parallelism: 2}\n      rollback_config: {order: start-first}\n      placement: {constraints: [node.role==manager]}\n      resources: {reservations: {cpus: '0.25'}}\n      restart_policy: {condition: any, delay: 5s, window: 1m}\n`,
    )
    expect(desired(result).services[0]!.spec.restart).toBe("always")
    expect(result.warnings.map((w) => w.replace(/ is a Swarm setting.*/, ""))).toEqual([
      "fleet.yaml:6:13: services.web.deploy.mode: deploy.mode: global",
      "fleet.yaml:7:22: services.web.deploy.endpoint_mode: deploy.endpoint_mode",
      "fleet.yaml:8:15: services.web.deploy.labels: deploy.labels",
      "fleet.yaml:9:22: services.web.deploy.update_config: deploy.update_config",
      "fleet.yaml:10:24: services.web.deploy.rollback_config: deploy.rollback_config",
      "fleet.yaml:11:18: services.web.deploy.placement: deploy.placement",
      "fleet.yaml:12:40: services.web.deploy.resources.reservations.cpus: deploy.resources.reservations.cpus",
      "fleet.yaml:13:47: services.web.deploy.restart_policy.delay: deploy.restart_policy.delay",
      "fleet.yaml:13:59: services.web.deploy.restart_policy.window: deploy.restart_policy.window",
    ])
  })

  it("accepts healthcheck.start_interval, sending it only to Engine API 1.44 and later", () => {
    const service = web(
      "    healthcheck: {test: [CMD, 'true'], interval: 30s, start_period: 20s, start_interval: 2s}\n",
    )
    expect(service.spec.healthcheck).toMatchObject({ startIntervalNs: 2e9, startPeriodNs: 20e9 })
    const modern = toCreateBody(service.spec, {}, { kind: "docker", apiVersion: "1.44" })
    expect(modern.body.Healthcheck).toMatchObject({ StartInterval: 2e9 })
    expect(modern.warnings).toEqual([])
    const old = toCreateBody(service.spec, {}, { kind: "docker", apiVersion: "1.41" })
    expect(old.body.Healthcheck).not.toHaveProperty("StartInterval")
    expect(old.warnings).toEqual([
      "healthcheck.start_interval needs Engine API 1.44 (this engine speaks 1.41); left out, the check runs at its interval from the start",
    ])
  })

  it("names what Podman's Docker API ignores, and nothing on Docker", () => {
    const spec = web(
      "    gpus: all\n    device_cgroup_rules: ['c 42:* rm']\n    platform: linux/arm64\n    ulimits: {nofile: 64}\n",
    ).spec
    expect(toCreateBody(spec, {}, { kind: "docker", apiVersion: "1.41" }).warnings).toEqual([])
    expect(
      toCreateBody(spec, {}, { kind: "podman", apiVersion: "1.41" }).warnings.map((g) => g.split(":")[0]),
    ).toEqual(["gpus / deploy.resources.reservations.devices", "device_cgroup_rules", "platform linux/arm64"])
  })

  it("keeps a disabled healthcheck's timings, as compose does", () => {
    expect(web("    healthcheck: {disable: true, interval: 10s}\n").spec.healthcheck).toEqual({
      test: ["NONE"],
      intervalNs: 10e9,
    })
    expect(web("    healthcheck: {disable: true}\n").spec.healthcheck).toEqual({ test: ["NONE"] })
  })

  const refused: ReadonlyArray<readonly [string, string]> = [
    [
      "    deploy: {replicas: 3}",
      "fleet.yaml:4:24: services.web.deploy.replicas: deploy.replicas: 3 is not supported: fleetd runs exactly one container per service",
    ],
    [
      "    deploy: {replicas: 0}",
      "fleet.yaml:4:24: services.web.deploy.replicas: deploy.replicas: 0 is not supported: fleetd runs exactly one container per service",
    ],
    [
      "    cpus: 1\n    deploy: {resources: {limits: {cpus: '2'}}}",
      "fleet.yaml:5:41: services.web.deploy.resources.limits.cpus: 'cpus' and 'deploy.resources.limits.cpus' have distinct values",
    ],
    [
      "    mem_limit: 1g\n    deploy: {resources: {limits: {memory: 2g}}}",
      "fleet.yaml:5:43: services.web.deploy.resources.limits.memory: 'mem_limit' and 'deploy.resources.limits.memory' have distinct values",
    ],
    [
      "    pids_limit: 10\n    deploy: {resources: {limits: {pids: 20}}}",
      "fleet.yaml:5:41: services.web.deploy.resources.limits.pids: 'pids_limit' and 'deploy.resources.limits.pids' have distinct values",
    ],
    [
      "    deploy: {restart_policy: {condition: any, max_attempts: 3}}",
      "fleet.yaml:4:61: services.web.deploy.restart_policy.max_attempts: max_attempts applies only to condition: on-failure",
    ],
    [
      "    ulimits: {nofile: {soft: 20, hard: 10}}",
      "fleet.yaml:4:23: services.web.ulimits.nofile: the soft limit 20 is above the hard limit 10",
    ],
    [
      "    healthcheck: {test: [CMD, 'true'], start_interval: 2s}",
      "fleet.yaml:4:56: services.web.healthcheck.start_interval: start_interval needs start_period",
    ],
    ["    gpus: [{count: 1, device_ids: ['0']}]", "count"],
    ["    device_cgroup_rules: ['c 1:3 xyz']", "is not a device cgroup rule"],
    ["    oom_score_adj: 2000", "above the maximum 1000"],
    ["    mem_swappiness: 101", "above the maximum 100"],
    ["    pids_limit: lots", '"lots" is not an integer'],
    ["    ulimits: {NOFILE: 1}", 'services.web.ulimits.NOFILE: "NOFILE" is not a ulimit name (lower case'],
    ["    deploy: {restart_policy: {condition: sometimes}}", "condition"],
    ["    deploy: {resources: {limits: {gpus: 1}}}", "gpus"],
  ]
  it.each(refused)("refuses %s", (yaml, message) => {
    const found = issues(load(`${head}${yaml}\n`))
    expect(found.join("\n")).toContain(message)
  })
})
