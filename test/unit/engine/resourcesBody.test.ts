import { describe, expect, it } from "vitest"
import type { ContainerSpec } from "../../../src/domain/ContainerSpec.ts"
import { toCreateBody } from "../../../src/engine/toCreateBody.ts"
import { spec } from "../../support/fixtures.ts"

// (spec fields, the HostConfig fields they must produce: the Engine API names and shapes)
const table: ReadonlyArray<readonly [string, Partial<ContainerSpec>, Record<string, unknown>]> = [
  [
    "ulimits",
    { ulimits: [{ name: "nofile", soft: 1, hard: 2 }] },
    { Ulimits: [{ Name: "nofile", Soft: 1, Hard: 2 }] },
  ],
  [
    "memory tuning",
    { memReservationBytes: 1, memSwapBytes: -1, memSwappiness: 0, shmSizeBytes: 3 },
    { MemoryReservation: 1, MemorySwap: -1, MemorySwappiness: 0, ShmSize: 3 },
  ],
  [
    "CPU tuning",
    { cpuShares: 2, cpusetCpus: "0,1", cpuQuota: -1, cpuPeriod: 1000, cpuCount: 1, cpuPercent: 5 },
    { CpuShares: 2, CpusetCpus: "0,1", CpuQuota: -1, CpuPeriod: 1000, CpuCount: 1, CpuPercent: 5 },
  ],
  [
    "OOM, PIDs, groups, runtime",
    { oomScoreAdj: -1, oomKillDisable: true, pidsLimit: -1, groupAdd: ["video", "7"], runtime: "crun" },
    { OomScoreAdj: -1, OomKillDisable: true, PidsLimit: -1, GroupAdd: ["video", "7"], Runtime: "crun" },
  ],
  [
    "device requests with every key, as the Go client marshals them",
    {
      deviceRequests: [
        { count: -1, capabilities: [["gpu"]] },
        { driver: "cdi", deviceIds: ["vendor.com/gpu=0"], capabilities: [[]], options: { k: "v" } },
      ],
      deviceCgroupRules: ["c 42:* rm"],
    },
    {
      DeviceRequests: [
        { Driver: "", Count: -1, DeviceIDs: null, Capabilities: [["gpu"]], Options: null },
        { Driver: "cdi", Count: 0, DeviceIDs: ["vendor.com/gpu=0"], Capabilities: [[]], Options: { k: "v" } },
      ],
      DeviceCgroupRules: ["c 42:* rm"],
    },
  ],
]

describe("toCreateBody: resource and runtime fields", () => {
  it.each(table)("%s", (_, fields, hostConfig) => {
    expect(toCreateBody(spec(fields), {}).body.HostConfig).toMatchObject(hostConfig)
  })

  it("sends none of them for a spec that sets none", () => {
    const host = toCreateBody(spec(), {}).body.HostConfig
    for (const key of [
      "Ulimits",
      "PidsLimit",
      "ShmSize",
      "MemorySwap",
      "OomKillDisable",
      "DeviceRequests",
      "Runtime",
    ])
      expect(host).not.toHaveProperty(key)
  })

  it("puts platform in the query and StartInterval in the body only from API 1.44", () => {
    const s = spec({
      platform: "linux/arm64/v8",
      healthcheck: { test: ["CMD", "true"], startPeriodNs: 5e9, startIntervalNs: 1e9 },
    })
    const docker41 = { kind: "docker", apiVersion: "1.41" } as const
    expect(toCreateBody(s, {}, docker41)).toMatchObject({
      query: { platform: "linux/arm64/v8" },
      body: { Healthcheck: { Test: ["CMD", "true"], StartPeriod: 5e9 } },
    })
    expect(toCreateBody(s, {}, docker41).body.Healthcheck).not.toHaveProperty("StartInterval")
    expect(toCreateBody(s, {}, { kind: "docker", apiVersion: "1.44" }).body.Healthcheck).toMatchObject({
      StartInterval: 1e9,
    })
  })
})
