import { describe, expect, it } from "vitest"
import { toCreateBody } from "../../../src/engine/toCreateBody.ts"
import { desired, issues, load } from "./support.ts"

const head = "services:\n  web:\n    image: busybox\n"
const web = (yaml: string) => desired(load(`${head}${yaml}`)).services[0]!

/** Manifest lines → normalized spec fields → the HostConfig fields docker compose v2 sends. */
const table: ReadonlyArray<readonly [string, Record<string, unknown>, Record<string, unknown>]> = [
  ["    blkio_config: {weight: 300}", { blkio: { weight: 300 } }, { BlkioWeight: 300 }],
  [
    "    blkio_config:\n      weight_device: [{path: /dev/sda, weight: 400}]\n      device_read_bps: [{path: /dev/sda, rate: 10mb}]\n      device_write_bps: [{path: /dev/sda, rate: 1024}]\n      device_read_iops: [{path: /dev/sda, rate: 100}]\n      device_write_iops: [{path: /dev/sda, rate: '50'}]",
    {
      blkio: {
        weightDevice: [{ path: "/dev/sda", weight: 400 }],
        deviceReadBps: [{ path: "/dev/sda", rate: 10485760 }],
        deviceWriteBps: [{ path: "/dev/sda", rate: 1024 }],
        deviceReadIOps: [{ path: "/dev/sda", rate: 100 }],
        deviceWriteIOps: [{ path: "/dev/sda", rate: 50 }],
      },
    },
    {
      BlkioWeightDevice: [{ Path: "/dev/sda", Weight: 400 }],
      BlkioDeviceReadBps: [{ Path: "/dev/sda", Rate: 10485760 }],
      BlkioDeviceWriteBps: [{ Path: "/dev/sda", Rate: 1024 }],
      BlkioDeviceReadIOps: [{ Path: "/dev/sda", Rate: 100 }],
      BlkioDeviceWriteIOps: [{ Path: "/dev/sda", Rate: 50 }],
    },
  ],
  ["    cgroup: private", { cgroupnsMode: "private" }, { CgroupnsMode: "private" }],
  ["    cgroup: host", { cgroupnsMode: "host" }, { CgroupnsMode: "host" }],
  ["    cgroup_parent: /fleet.slice", { cgroupParent: "/fleet.slice" }, { CgroupParent: "/fleet.slice" }],
  ["    storage_opt: {size: 1G}", { storageOpt: { size: "1G" } }, { StorageOpt: { size: "1G" } }],
  [
    "    cpu_rt_period: 1000000\n    cpu_rt_runtime: 95ms",
    { cpuRtPeriod: 1000000, cpuRtRuntime: 95000 },
    { CPURealtimePeriod: 1000000, CPURealtimeRuntime: 95000 },
  ],
  ["    cpu_rt_runtime: '950'", { cpuRtRuntime: 950 }, { CPURealtimeRuntime: 950 }],
]

describe("the remaining Compose service fields", () => {
  it.each(table)("%s", (yaml, specFields, hostFields) => {
    const service = web(`${yaml}\n`)
    expect(service.spec).toMatchObject(specFields)
    expect(toCreateBody(service.spec, {}).body.HostConfig).toMatchObject(hostFields)
  })

  it("leaves every new field out of specs that do not use them, so their hash is unchanged", () => {
    const plain = web("")
    const accepted = web("    scale: 1\n    isolation: default\n    use_api_socket: false\n")
    expect(accepted.configHash).toBe(plain.configHash)
    for (const key of ["blkio", "cgroupnsMode", "cgroupParent", "storageOpt", "cpuRtPeriod", "cpuRtRuntime"])
      expect(plain.spec).not.toHaveProperty(key)
    const body = toCreateBody(plain.spec, {}).body.HostConfig
    for (const key of ["BlkioWeight", "CgroupnsMode", "CgroupParent", "StorageOpt", "CPURealtimeRuntime"])
      expect(body).not.toHaveProperty(key)
  })

  it("changes the hash when a blkio weight changes", () => {
    expect(web("    blkio_config: {weight: 300}\n").configHash).not.toBe(
      web("    blkio_config: {weight: 400}\n").configHash,
    )
  })

  it("accepts attach and develop with a warning each, as they only concern compose up and compose watch", () => {
    const result = load(`${head}    attach: false\n    develop: {watch: [{path: ., action: rebuild}]}\n`)
    expect(issues(result)).toEqual(["ok"])
    expect(result.warnings).toEqual([
      "fleet.yaml:4:13: services.web.attach: attach is ignored: it only says whether compose up shows the service's logs",
      "fleet.yaml:5:14: services.web.develop: develop is ignored: it configures compose watch, which fleetd replaces with git",
    ])
  })
})

/** Fields refused with the reason and what to do, at their position. */
const refused: ReadonlyArray<readonly [string, string]> = [
  [
    "    scale: 3",
    "fleet.yaml:4:12: services.web.scale: scale 3 is not supported: fleetd runs one container per service",
  ],
  ["    scale: 0", "fleet.yaml:4:12: services.web.scale: scale 0 is not supported"],
  ["    isolation: hyperv", "services.web.isolation: isolation hyperv is Windows container isolation"],
  ["    use_api_socket: true", "services.web.use_api_socket: use_api_socket is refused"],
  [
    "    credential_spec: {file: x.json}",
    "services.web.credential_spec: credential_spec configures Windows gMSA",
  ],
  ["    provider: {type: model}", "services.web.provider: provider hands the service to an external program"],
  ["    models: [llm]", "services.web.models: models needs Docker Model Runner"],
  ["    post_start: [{command: [echo, hi]}]", "(use x-fleetd.hooks.post_deploy with exec: steps"],
  ["    pre_stop: [{command: [echo, bye]}]", "(use x-fleetd.hooks.pre_deploy with exec: steps"],
  ["    label_file: ./app.labels", "services.web.label_file: label_file is not supported yet"],
  ["    pull_refresh_after: 1h", "use pull_policy: every_<duration>"],
  ["    cgroup: shared", "services.web.cgroup"],
  ["    blkio_config: {weight: 5}", "services.web.blkio_config.weight"],
  ["    cpu_rt_runtime: soon", "services.web.cpu_rt_runtime"],
]

describe("refused Compose fields", () => {
  it.each(refused)("%s", (yaml, message) => {
    const lines = issues(load(`${head}${yaml}\n`))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(message)
  })

  it("refuses top-level models and enable_ipv4: false, and accepts enable_ipv4: true", () => {
    expect(issues(load(`models:\n  llm: {model: ai/smollm2}\n${head}`))).toEqual([
      "fleet.yaml:1:1: models: models needs Docker Model Runner, which fleetd does not drive (run the model server as a service of its own and pass its URL in environment:)",
    ])
    expect(issues(load(`${head}networks:\n  n: {enable_ipv4: false}\n`))[0]).toContain(
      "fleet.yaml:5:20: networks.n.enable_ipv4: enable_ipv4: false is not supported",
    )
    expect(issues(load(`${head}networks:\n  n: {enable_ipv4: true}\n`))).toEqual(["ok"])
  })
})
