import { describe, expect, it } from "vitest"
import type { ContainerSpec } from "../../../src/domain/ContainerSpec.ts"
import { type EngineTarget, reconnectEndpoint } from "../../../src/engine/networkingBody.ts"
import { type CreateBody, toCreateBody } from "../../../src/engine/toCreateBody.ts"
import { spec } from "../../support/fixtures.ts"

const docker41: EngineTarget = { kind: "docker", apiVersion: "1.41" }
const docker45: EngineTarget = { kind: "docker", apiVersion: "1.45" }
const podman: EngineTarget = { kind: "podman", apiVersion: "1.41" }
const link = { service: "db", container: "f-db", alias: "database" }

// (name, spec overrides, engine, the part of the body they must produce)
const table: ReadonlyArray<
  readonly [string, Partial<ContainerSpec>, EngineTarget, Partial<CreateBody> | Record<string, unknown>]
> = [
  [
    "expose merged with published ports into ExposedPorts",
    { expose: ["3000/tcp", "53/udp"], ports: [{ target: 80, protocol: "tcp", published: 8080 }] },
    docker41,
    { ExposedPorts: { "80/tcp": {}, "3000/tcp": {}, "53/udp": {} } },
  ],
  [
    "dns, dns_search, dns_opt and logging into HostConfig",
    {
      dns: ["10.0.0.53"],
      dnsSearch: ["example.org"],
      dnsOptions: ["ndots:2"],
      logging: { driver: "json-file", options: { "max-size": "1m" } },
    },
    docker41,
    {
      HostConfig: expect.objectContaining({
        Dns: ["10.0.0.53"],
        DnsSearch: ["example.org"],
        DnsOptions: ["ndots:2"],
        LogConfig: { Type: "json-file", Config: { "max-size": "1m" } },
      }),
    },
  ],
  [
    "logging options without a driver keep the engine's default driver",
    { logging: { options: { "max-size": "1m" } } },
    docker41,
    { HostConfig: expect.objectContaining({ LogConfig: { Type: "", Config: { "max-size": "1m" } } }) },
  ],
  [
    "domainname, tty and stdin_open into Config",
    { domainname: "example.org", tty: true, stdinOpen: true },
    podman,
    { Domainname: "example.org", Tty: true, OpenStdin: true },
  ],
  [
    "links on Docker: HostConfig.Links and the endpoint's Links, container:alias",
    { links: [link], networks: [{ name: "f_default", aliases: ["web"] }] },
    docker41,
    {
      HostConfig: expect.objectContaining({ Links: ["f-db:database"] }),
      NetworkingConfig: { EndpointsConfig: { f_default: { Aliases: ["web"], Links: ["f-db:database"] } } },
    },
  ],
  [
    "static addresses into the endpoint's IPAMConfig",
    {
      networks: [
        {
          name: "f_b",
          aliases: ["web"],
          ipv4Address: "172.28.0.10",
          ipv6Address: "fd00::a",
          linkLocalIps: ["169.254.1.1"],
        },
      ],
    },
    docker41,
    {
      NetworkingConfig: {
        EndpointsConfig: {
          f_b: {
            Aliases: ["web"],
            IPAMConfig: { IPv4Address: "172.28.0.10", IPv6Address: "fd00::a", LinkLocalIPs: ["169.254.1.1"] },
          },
        },
      },
    },
  ],
  [
    "a MAC address container-wide before API 1.44 on Docker",
    { macAddress: "02:42:ac:11:00:99", networks: [{ name: "f_b", aliases: ["web"] }] },
    docker41,
    { MacAddress: "02:42:ac:11:00:99", NetworkingConfig: { EndpointsConfig: { f_b: { Aliases: ["web"] } } } },
  ],
  [
    "the first network's MAC address container-wide before API 1.44 on Docker",
    { networks: [{ name: "f_b", aliases: ["web"], macAddress: "02:42:ac:11:00:98" }] },
    docker41,
    { MacAddress: "02:42:ac:11:00:98" },
  ],
  [
    "a MAC address on the endpoint from API 1.44, and on Podman",
    { macAddress: "02:42:ac:11:00:99", networks: [{ name: "f_b", aliases: ["web"] }] },
    podman,
    { NetworkingConfig: { EndpointsConfig: { f_b: { Aliases: ["web"], MacAddress: "02:42:ac:11:00:99" } } } },
  ],
  [
    "annotations from API 1.43",
    { annotations: { "com.example": "a" } },
    docker45,
    { HostConfig: expect.objectContaining({ Annotations: { "com.example": "a" } }) },
  ],
]

describe("toCreateBody: networking and container I/O", () => {
  it.each(table)("maps %s", (_name, overrides, engine, expected) => {
    const plan = toCreateBody(spec(overrides), {}, engine)
    expect(plan.body).toMatchObject(expected)
    expect(plan.errors).toEqual([])
  })

  it("sends none of these fields for a spec that does not use them", () => {
    const { body, warnings } = toCreateBody(spec(), {}, docker45)
    for (const key of ["Domainname", "Tty", "OpenStdin", "MacAddress"]) expect(body).not.toHaveProperty(key)
    for (const key of ["Dns", "DnsSearch", "DnsOptions", "LogConfig", "Annotations", "Links"])
      expect(body.HostConfig).not.toHaveProperty(key)
    expect(warnings).toEqual([])
  })

  it("warns instead of silently dropping annotations before API 1.43", () => {
    const plan = toCreateBody(spec({ annotations: { a: "b" } }), {}, docker41)
    expect(plan.body.HostConfig).not.toHaveProperty("Annotations")
    expect(plan.warnings).toEqual([expect.stringContaining("annotations need Engine API 1.43")])
  })

  it("on Podman drops a link to the service's own name with a warning and refuses an aliased one", () => {
    const same = toCreateBody(spec({ links: [{ ...link, alias: "db" }] }), {}, podman)
    expect(same.body.HostConfig).not.toHaveProperty("Links")
    expect(same.warnings).toEqual([expect.stringContaining("Podman has no links")])
    expect(same.errors).toEqual([])
    const aliased = toCreateBody(spec({ links: [link] }), {}, podman)
    expect(aliased.errors).toEqual([expect.stringContaining("add it to db's networks.<network>.aliases")])
  })

  it("refuses a MAC address on a second network before API 1.44 on Docker", () => {
    const networks = [
      { name: "f_a", aliases: ["web"] },
      { name: "f_b", aliases: ["web"], macAddress: "02:42:ac:11:00:02" },
    ]
    expect(toCreateBody(spec({ networks }), {}, docker41).errors).toEqual([
      expect.stringContaining("needs Engine API 1.44"),
    ])
    expect(toCreateBody(spec({ networks }), {}, docker45).connectAfterCreate).toEqual([
      { name: "f_b", endpoint: { Aliases: ["web"], MacAddress: "02:42:ac:11:00:02" } },
    ])
  })
})

describe("toCreateBody: volume options", () => {
  const bind = { type: "bind" as const, source: "/srv/conf", target: "/conf", readOnly: true }
  const volume = { type: "volume" as const, source: "f_data", target: "/data", readOnly: false }

  it("sends SELinux-labelled mounts in Binds as docker compose writes them, the rest in Mounts", () => {
    const { body } = toCreateBody(
      spec({
        mounts: [
          { ...bind, selinux: "Z", propagation: "rslave" },
          { ...volume, selinux: "z", noCopy: true },
        ],
      }),
      {},
      docker41,
    )
    expect(body.HostConfig.Binds).toEqual(["/srv/conf:/conf:ro,Z,rslave", "f_data:/data:rw,z,nocopy"])
    expect(body.HostConfig.Mounts).toEqual([])
  })

  it("maps propagation, nocopy and subpath onto Mounts", () => {
    const { body, errors } = toCreateBody(
      spec({
        mounts: [
          { ...bind, propagation: "rshared" },
          { ...volume, noCopy: true, subpath: "app" },
        ],
      }),
      {},
      docker45,
    )
    expect(errors).toEqual([])
    expect(body.HostConfig).not.toHaveProperty("Binds")
    expect(body.HostConfig.Mounts).toEqual([
      {
        Type: "bind",
        Source: "/srv/conf",
        Target: "/conf",
        ReadOnly: true,
        BindOptions: { Propagation: "rshared" },
      },
      {
        Type: "volume",
        Source: "f_data",
        Target: "/data",
        ReadOnly: false,
        VolumeOptions: { NoCopy: true, Subpath: "app" },
      },
    ])
  })

  it("refuses a subpath before API 1.45: the whole volume would be mounted", () => {
    expect(toCreateBody(spec({ mounts: [{ ...volume, subpath: "app" }] }), {}, docker41).errors).toEqual([
      expect.stringContaining("volume.subpath (/data) needs Engine API 1.45"),
    ])
  })
})

describe("toCreateBody: nocopy on Podman", () => {
  it("goes through Binds, since Podman 4.3 ignores NoCopy in Mounts", () => {
    const volume = {
      type: "volume" as const,
      source: "f_data",
      target: "/data",
      readOnly: false,
      noCopy: true as const,
    }
    const { body } = toCreateBody(spec({ mounts: [volume] }), {}, podman)
    expect(body.HostConfig.Binds).toEqual(["f_data:/data:rw,nocopy"])
    expect(body.HostConfig.Mounts).toEqual([])
  })
})

describe("reconnectEndpoint: a container joining its recreated network again", () => {
  const attachment = {
    name: "f_b",
    aliases: ["web"],
    ipv4Address: "10.20.0.10",
    macAddress: "02:42:ac:11:00:02",
  }
  const links = [link]

  it("keeps its static address, links and (where the engine allows) MAC address", () => {
    expect(reconnectEndpoint(["web"], { attachment, links }, docker45)).toEqual({
      Aliases: ["web"],
      Links: ["f-db:database"],
      IPAMConfig: { IPv4Address: "10.20.0.10" },
      MacAddress: "02:42:ac:11:00:02",
    })
    expect(reconnectEndpoint(["web"], { attachment, links }, docker41)).not.toHaveProperty("MacAddress")
    expect(reconnectEndpoint(["web"], { attachment, links }, podman)).not.toHaveProperty("Links")
  })

  it("gives aliases only when the service has nothing more", () => {
    expect(reconnectEndpoint(["web", "site"], undefined, docker41)).toEqual({ Aliases: ["web", "site"] })
  })
})
