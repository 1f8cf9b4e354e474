import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { createsFor, type RecordedCreate, startRecordingProxy } from "../support/recordingProxy.ts"
import { runFleetd } from "../support/runFleetd.ts"
import { cleanupFleet, rawClient, testEngines, uniqueFleet } from "../support/testEngines.ts"

const idle = `["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]`
const base = (name: string) => [
  `  ${name}:`,
  "    image: fleetd-test/app:v1",
  `    command: ${idle}`,
  "    stop_grace_period: 1s",
]

/** Every resource field an engine here can honour, on two services. */
const tunedFleet = (fleet: string) =>
  [
    `name: ${fleet}`,
    "services:",
    ...base("tuned"),
    "    ulimits: {nproc: 512, nofile: {soft: 256, hard: 512}}",
    "    pids_limit: 100",
    "    shm_size: 128m",
    "    mem_limit: 256m",
    "    mem_reservation: 64m",
    "    memswap_limit: 512m",
    "    mem_swappiness: 10",
    "    cpu_shares: 512",
    '    cpuset: "0"',
    "    cpu_quota: 50000",
    "    cpu_period: 100000",
    "    oom_score_adj: 300",
    "    oom_kill_disable: true",
    '    group_add: [1001, "2002"]',
    "    platform: linux/amd64",
    "    runtime: runc",
    '    device_cgroup_rules: ["c 42:* rm"]',
    "    user: 1000",
    "    environment: {PORT: 8080, DEBUG: false}",
    '    healthcheck: {test: [CMD, "true"], interval: 1s, start_period: 5s, start_interval: 1s}',
    "    restart: always",
    "    deploy:",
    "      mode: global",
    "      restart_policy: {condition: on-failure, max_attempts: 2}",
    ...base("limited"),
    "    healthcheck: {disable: true}",
    "    x-fleetd: {update: {min_ready: 0s}}",
    "    deploy:",
    "      replicas: 1",
    "      resources:",
    "        limits: {cpus: '0.5', memory: 128m, pids: 50}",
    "        reservations: {memory: 32m, cpus: '0.25'}",
  ].join("\n")

/** What no engine here can honour: a GPU, an image of another platform. */
const gapFleet = (fleet: string) =>
  [
    `name: ${fleet}`,
    "services:",
    ...base("gpu"),
    "    gpus: all",
    "    x-fleetd: {update: {min_ready: 0s}}",
    ...base("accel"),
    "    deploy: {resources: {reservations: {devices: [{driver: nvidia, count: 1, capabilities: [compute]}]}}}",
    "    x-fleetd: {update: {min_ready: 0s}}",
    ...base("foreign"),
    "    platform: linux/arm64",
    "    x-fleetd: {update: {min_ready: 0s}}",
  ].join("\n")

const policy = [
  "allow:",
  "  runtimes: [runc]",
  "  device_requests: true",
  '  device_cgroup_rules: ["c 42:* rm"]',
].join("\n")

for (const engine of testEngines()) {
  describe(`resource and runtime fields on ${engine.kind}`, () => {
    const docker = rawClient(engine)
    let fleet = ""
    let dir = ""
    let proxy: Awaited<ReturnType<typeof startRecordingProxy>> | undefined

    beforeEach(async () => {
      fleet = uniqueFleet("res")
      dir = mkdtempSync(join(tmpdir(), "fleetd-resources-"))
      writeFileSync(join(dir, "policy.yaml"), policy)
      proxy = await startRecordingProxy(engine.host)
    })
    afterEach(async () => {
      await proxy?.close()
      await cleanupFleet(engine, fleet)
    })

    const apply = async (text: string) => {
      writeFileSync(join(dir, "fleet.yaml"), text)
      const args = ["--policy", join(dir, "policy.yaml"), "-f", join(dir, "fleet.yaml")]
      const result = await runFleetd(["apply", "--json", ...args], { dockerHost: proxy!.host })
      const parsed = JSON.parse(result.stdout) as {
        services: Array<{ service: string; outcome: string; reason?: string }>
      }
      return {
        code: result.code,
        stderr: result.stderr,
        outcomes: Object.fromEntries(parsed.services.map((s) => [s.service, s.outcome])),
        reasons: Object.fromEntries(parsed.services.map((s) => [s.service, s.reason ?? ""])),
      }
    }
    const created = (service: string): RecordedCreate => {
      const found = createsFor(proxy!.creates, `${fleet}-${service}`)
      expect(found, `one create request for ${service}`).toHaveLength(1)
      return found[0]!
    }
    /** A warning line about this service's container (the logger adds its name). */
    const warned = (stderr: string, service: string, text: string) =>
      expect(
        stderr.split("\n").some((line) => line.includes(text) && line.includes(`${fleet}-${service}`)),
        `warning "${text}" for ${service} in:\n${stderr}`,
      ).toBe(true)
    const inspect = (service: string) => docker.getContainer(`${fleet}-${service}`).inspect()

    it("applies every field it can honour and inspect shows each", async () => {
      const result = await apply(tunedFleet(fleet))
      expect(result.outcomes).toEqual({ tuned: "created", limited: "created" })
      expect(result.code).toBe(0)
      // API 1.41 on both engines: start_interval is left out, and said so.
      warned(result.stderr, "tuned", "healthcheck.start_interval needs Engine API 1.44")

      const tuned = await inspect("tuned")
      const h = tuned.HostConfig as unknown as Record<string, unknown>
      // Podman names ulimits RLIMIT_NOFILE in inspect (docs/limitations.md).
      const ulimits = (h["Ulimits"] as Array<{ Name: string; Soft: number; Hard: number }>)
        .map((u) => ({ ...u, Name: u.Name.replace(/^RLIMIT_/, "").toLowerCase() }))
        .sort((a, b) => a.Name.localeCompare(b.Name))
      expect(ulimits).toEqual([
        { Name: "nofile", Soft: 256, Hard: 512 },
        { Name: "nproc", Soft: 512, Hard: 512 },
      ])
      expect(h).toMatchObject({
        PidsLimit: 100,
        ShmSize: 128 * 1024 ** 2,
        Memory: 256 * 1024 ** 2,
        MemoryReservation: 64 * 1024 ** 2,
        MemorySwap: 512 * 1024 ** 2,
        MemorySwappiness: 10,
        CpuShares: 512,
        CpusetCpus: "0",
        CpuQuota: 50000,
        CpuPeriod: 100000,
        OomScoreAdj: 300,
        OomKillDisable: true,
        GroupAdd: ["1001", "2002"],
        // deploy.restart_policy wins over restart: always, as in compose.
        RestartPolicy: { Name: "on-failure", MaximumRetryCount: 2 },
      })
      expect(tuned.Config.User).toBe("1000")
      expect(tuned.Config.Env).toEqual(expect.arrayContaining(["PORT=8080", "DEBUG=false"]))
      expect(tuned.Platform).toBe("linux")
      if (engine.kind === "docker") {
        expect(h["Runtime"]).toBe("runc")
        expect(h["DeviceCgroupRules"]).toEqual(["c 42:* rm"])
      } else {
        // Podman 4.3 reports "oci" for any runtime and ignores device cgroup rules on
        // its Docker API: fleetd sent them (below) and warned.
        expect(h["Runtime"]).toBe("oci")
        warned(result.stderr, "tuned", "device_cgroup_rules: Podman ignores them")
      }
      const request = created("tuned")
      expect(request.query.get("platform")).toBe("linux/amd64")
      expect(request.body.HostConfig).toMatchObject({
        Runtime: "runc",
        DeviceCgroupRules: ["c 42:* rm"],
        Ulimits: [
          { Name: "nofile", Soft: 256, Hard: 512 },
          { Name: "nproc", Soft: 512, Hard: 512 },
        ],
      })
      expect(request.body["Healthcheck"]).toEqual({
        Test: ["CMD", "true"],
        Interval: 1e9,
        StartPeriod: 5e9,
      })

      const limited = await inspect("limited")
      expect(limited.HostConfig).toMatchObject({
        NanoCpus: 5e8,
        Memory: 128 * 1024 ** 2,
        PidsLimit: 50,
        MemoryReservation: 32 * 1024 ** 2,
      })
      expect(limited.Config.Healthcheck?.Test).toEqual(["NONE"])
      // Applying again changes nothing: the spec hash is stable across the new fields.
      const again = await apply(tunedFleet(fleet))
      expect(again.outcomes).toEqual({ tuned: "unchanged", limited: "unchanged" })
    }, 240_000)

    it("sends device requests and the platform as compose does where the engine cannot honour them", async () => {
      const result = await apply(gapFleet(fleet))
      expect(created("gpu").body.HostConfig["DeviceRequests"]).toEqual([
        { Driver: "", Count: -1, DeviceIDs: null, Capabilities: [["gpu"]], Options: null },
      ])
      expect(created("accel").body.HostConfig["DeviceRequests"]).toEqual([
        { Driver: "nvidia", Count: 1, DeviceIDs: null, Capabilities: [["compute"]], Options: null },
      ])
      expect(created("foreign").query.get("platform")).toBe("linux/arm64")
      if (engine.kind === "docker") {
        // No GPU here: dockerd refuses at start; an amd64 image is not linux/arm64.
        expect(result.outcomes).toEqual({ gpu: "failed", accel: "failed", foreign: "failed" })
        expect(result.reasons["gpu"]).toContain(
          'could not select device driver "" with capabilities: [[gpu]]',
        )
        expect(result.reasons["accel"]).toContain('could not select device driver "nvidia"')
        expect(result.reasons["foreign"]).toContain("does not match the specified platform")
      } else {
        // Podman 4.3's Docker API ignores both: the containers run, and fleetd says so.
        expect(result.outcomes).toEqual({ gpu: "created", accel: "created", foreign: "created" })
        for (const service of ["gpu", "accel"])
          warned(result.stderr, service, "gpus / deploy.resources.reservations.devices: Podman ignores")
        warned(result.stderr, "foreign", "platform linux/arm64: Podman ignores it")
        expect((await inspect("gpu")).HostConfig.DeviceRequests ?? null).toBeNull()
      }
    }, 240_000)
  })
}
