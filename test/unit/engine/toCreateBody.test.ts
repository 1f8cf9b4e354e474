import { describe, expect, it } from "vitest"
import type { ContainerSpec } from "../../../src/domain/ContainerSpec.ts"
import { type CreateBody, toCreateBody } from "../../../src/engine/toCreateBody.ts"
import { spec } from "../../support/fixtures.ts"

const fleetd = { "fleetd.fleet": "f", "fleetd.service": "web" }

// (spec overrides, the part of the body they must produce)
const table: ReadonlyArray<
  readonly [string, Partial<ContainerSpec>, Partial<CreateBody> | Record<string, unknown>]
> = [
  [
    "image, env and no command",
    { env: ["A=1", "B=two words"] },
    { Image: "fleetd-test/app:v1", Env: ["A=1", "B=two words"] },
  ],
  [
    "command and entrypoint as given",
    { command: ["httpd", "-f"], entrypoint: ["/bin/sh", "-c"] },
    { Cmd: ["httpd", "-f"], Entrypoint: ["/bin/sh", "-c"] },
  ],
  [
    "ports: exposed and bound, ephemeral and on all addresses",
    {
      ports: [
        { target: 80, protocol: "tcp", published: 8080, hostIp: "127.0.0.1" },
        { target: 80, protocol: "tcp", published: 8081, hostIp: "::1" },
        { target: 53, protocol: "udp" },
      ],
    },
    {
      ExposedPorts: { "80/tcp": {}, "53/udp": {} },
      HostConfig: expect.objectContaining({
        PortBindings: {
          "80/tcp": [
            { HostIp: "127.0.0.1", HostPort: "8080" },
            { HostIp: "::1", HostPort: "8081" },
          ],
          "53/udp": [{ HostIp: "", HostPort: "" }],
        },
      }),
    },
  ],
  [
    "mounts: bind, named volume, anonymous volume",
    {
      mounts: [
        { type: "bind", source: "/srv/conf", target: "/conf", readOnly: true },
        { type: "volume", source: "f_data", target: "/data", readOnly: false },
        { type: "anonymous", target: "/cache", readOnly: false },
      ],
    },
    {
      HostConfig: expect.objectContaining({
        Mounts: [
          { Type: "bind", Source: "/srv/conf", Target: "/conf", ReadOnly: true },
          { Type: "volume", Source: "f_data", Target: "/data", ReadOnly: false },
          { Type: "volume", Source: "", Target: "/cache", ReadOnly: false },
        ],
      }),
    },
  ],
  [
    "one network: mode and endpoint with aliases",
    { networks: [{ name: "f_front", aliases: ["web"] }] },
    {
      HostConfig: expect.objectContaining({ NetworkMode: "f_front" }),
      NetworkingConfig: { EndpointsConfig: { f_front: { Aliases: ["web"] } } },
    },
  ],
  [
    "network mode host: no endpoints",
    { networkMode: "host" },
    { HostConfig: expect.objectContaining({ NetworkMode: "host" }) },
  ],
  [
    "restart on-failure keeps its retry count; others drop it",
    { restart: "on-failure", restartMaxRetries: 3 },
    { HostConfig: expect.objectContaining({ RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 } }) },
  ],
  [
    "restart unless-stopped",
    { restart: "unless-stopped", restartMaxRetries: 3 },
    {
      HostConfig: expect.objectContaining({
        RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
      }),
    },
  ],
  [
    "user, working dir, hostname, stop signal and grace period",
    {
      user: "65534:65534",
      workingDir: "/srv",
      hostname: "h",
      stopSignal: "SIGINT",
      stopGracePeriodSeconds: 7,
    },
    { User: "65534:65534", WorkingDir: "/srv", Hostname: "h", StopSignal: "SIGINT", StopTimeout: 7 },
  ],
  [
    "healthcheck in nanoseconds",
    {
      healthcheck: { test: ["CMD", "true"], intervalNs: 5e9, timeoutNs: 1e9, startPeriodNs: 2e9, retries: 4 },
    },
    { Healthcheck: { Test: ["CMD", "true"], Interval: 5e9, Timeout: 1e9, StartPeriod: 2e9, Retries: 4 } },
  ],
  ["healthcheck disabled", { healthcheck: { test: ["NONE"] } }, { Healthcheck: { Test: ["NONE"] } }],
  [
    "read-only rootfs, tmpfs, init, limits, extra hosts",
    {
      readOnly: true,
      tmpfs: { "/run": "size=64m", "/tmp": "" },
      init: true,
      memLimitBytes: 64 * 1024 * 1024,
      nanoCpus: 500_000_000,
      extraHosts: ["db:10.0.0.2"],
    },
    {
      HostConfig: expect.objectContaining({
        ReadonlyRootfs: true,
        Tmpfs: { "/run": "size=64m", "/tmp": "" },
        Init: true,
        Memory: 67108864,
        NanoCpus: 500000000,
        ExtraHosts: ["db:10.0.0.2"],
      }),
    },
  ],
]

describe("toCreateBody", () => {
  it.each(table)("maps %s", (_name, overrides, expected) => {
    expect(toCreateBody(spec(overrides), fleetd).body).toMatchObject(expected)
  })

  it("leaves out what the spec leaves out, so the image's defaults apply", () => {
    const { body } = toCreateBody(spec(), fleetd)
    for (const key of [
      "Cmd",
      "Entrypoint",
      "User",
      "WorkingDir",
      "Hostname",
      "Healthcheck",
      "StopSignal",
      "StopTimeout",
    ]) {
      expect(body).not.toHaveProperty(key)
    }
    expect(body.HostConfig).not.toHaveProperty("NetworkMode")
    expect(body.HostConfig).not.toHaveProperty("Memory")
  })

  it("sends no endpoints with a network mode", () => {
    const plan = toCreateBody(spec({ networkMode: "container:f-db" }), fleetd)
    expect(plan.body).not.toHaveProperty("NetworkingConfig")
    expect(plan.connectAfterCreate).toEqual([])
  })

  it("merges labels with fleetd's winning", () => {
    const { body } = toCreateBody(spec({ labels: { team: "ops", "fleetd.fleet": "forged" } }), fleetd)
    expect(body.Labels).toEqual({ team: "ops", "fleetd.fleet": "f", "fleetd.service": "web" })
  })

  it("creates with the first network and connects the others after create", () => {
    const networks = [
      { name: "f_a", aliases: ["x"] },
      { name: "f_b", aliases: ["y"] },
      { name: "f_c", aliases: [] },
    ]
    const plan = toCreateBody(spec({ networks }), fleetd)
    expect(Object.keys(plan.body.NetworkingConfig?.EndpointsConfig ?? {})).toEqual(["f_a"])
    expect(plan.connectAfterCreate).toEqual([
      { name: "f_b", endpoint: { Aliases: ["y"] } },
      { name: "f_c", endpoint: { Aliases: [] } },
    ])
  })

  it("is pure: the same spec gives the same body", () => {
    const s = spec({ env: ["A=1"], ports: [{ target: 80, protocol: "tcp", published: 80 }] })
    expect(JSON.stringify(toCreateBody(s, fleetd))).toBe(JSON.stringify(toCreateBody(s, fleetd)))
  })
})
