import { describe, expect, it } from "vitest"
import { networkHash } from "../../../src/domain/resourceHash.ts"
import { canonicalJson, sha256Hex } from "../../../src/domain/specHash.ts"
import { desired, issues, load } from "./support.ts"

const fleet = (services: string, rest = "") =>
  load(`services:\n  web:\n    image: busybox:1.36\n${services}  db:\n    image: busybox:1.36\n${rest}`)
const web = (yaml: string, rest = "") => desired(fleet(yaml, rest)).services.find((s) => s.name === "web")!

describe("networking and container I/O fields", () => {
  // (fields under services.web, the spec fields they must give)
  const table: ReadonlyArray<readonly [string, string, Record<string, unknown>]> = [
    [
      "expose: numbers, ranges and protocols, tcp by default, sorted and unique",
      '    expose: ["8001-8003/udp", 3000, "3000/tcp", "53/udp"]\n',
      { expose: ["53/udp", "3000/tcp", "8001/udp", "8002/udp", "8003/udp"] },
    ],
    [
      "dns, dns_search as strings or lists, in the order written",
      "    dns: [10.0.0.53, 1.1.1.1]\n    dns_search: example.org\n    dns_opt: [ndots:2, timeout:1]\n",
      { dns: ["10.0.0.53", "1.1.1.1"], dnsSearch: ["example.org"], dnsOptions: ["ndots:2", "timeout:1"] },
    ],
    [
      "domainname, mac_address (lower case), tty and stdin_open",
      "    domainname: example.org\n    mac_address: 02:42:AC:11:00:99\n    tty: true\n    stdin_open: true\n",
      { domainname: "example.org", macAddress: "02:42:ac:11:00:99", tty: true, stdinOpen: true },
    ],
    [
      "logging: driver and options as strings",
      "    logging:\n      driver: json-file\n      options:\n        max-size: 10m\n        max-file: 3\n",
      { logging: { driver: "json-file", options: { "max-size": "10m", "max-file": "3" } } },
    ],
    [
      "annotations from a list",
      '    annotations: ["com.example.a=1", "b=two"]\n',
      { annotations: { "com.example.a": "1", b: "two" } },
    ],
    [
      "links: SERVICE and SERVICE:ALIAS, to the fleet's container names",
      "    links: [db, 'db:database']\n",
      {
        links: [
          { service: "db", container: "demo-db", alias: "db" },
          { service: "db", container: "demo-db", alias: "database" },
        ],
      },
    ],
  ]
  it.each(table)("%s", (_name, yaml, expected) => {
    expect(web(yaml).spec).toMatchObject(expected)
  })

  it("sets none of them when the manifest does not, so existing specs hash the same", () => {
    const { spec } = web("")
    for (const key of ["expose", "links", "dns", "dnsSearch", "dnsOptions", "macAddress", "domainname"])
      expect(spec).not.toHaveProperty(key)
    for (const key of ["stdinOpen", "tty", "logging", "annotations"]) expect(spec).not.toHaveProperty(key)
    expect(spec.networks).toEqual([{ name: "demo_default", aliases: ["web"] }])
    expect(web("    tty: false\n    stdin_open: false\n").spec).not.toHaveProperty("tty")
  })

  it("makes a link a started dependency, as compose-go does", () => {
    expect(web("    links: ['db:database']\n").dependsOn).toEqual([
      { service: "db", condition: "service_started", required: true },
    ])
  })

  it("orders networks by priority, highest first, then by name; addresses per network", () => {
    const s = web(
      [
        "    networks:",
        "      a: {}",
        "      b:",
        "        priority: 10",
        "        ipv4_address: 172.28.0.10",
        "        ipv6_address: fd00::10",
        "        link_local_ips: [169.254.1.10]",
        "        mac_address: 02:42:ac:1c:00:0a",
        "        aliases: [web.b]",
        "      c:",
        "        priority: -1",
        "",
      ].join("\n"),
      "networks:\n  a: {}\n  b: {}\n  c: {}\n",
    )
    expect(s.spec.networks).toEqual([
      {
        name: "demo_b",
        aliases: ["web", "web.b"],
        ipv4Address: "172.28.0.10",
        ipv6Address: "fd00::10",
        linkLocalIps: ["169.254.1.10"],
        macAddress: "02:42:ac:1c:00:0a",
        priority: 10,
      },
      { name: "demo_a", aliases: ["web"] },
      { name: "demo_c", aliases: ["web"], priority: -1 },
    ])
  })

  it("builds networks with ipam, attachable, enable_ipv6, driver_opts and external names", () => {
    const state = desired(
      load(
        [
          "services:",
          "  web:",
          "    image: busybox",
          "    networks: [back, shared, legacy]",
          "networks:",
          "  back:",
          "    attachable: true",
          "    enable_ipv6: false",
          "    driver_opts:",
          "      com.docker.network.bridge.name: br-back",
          "      mtu: 1400",
          "    ipam:",
          "      driver: default",
          "      config:",
          "        - subnet: 172.28.0.0/16",
          "          ip_range: 172.28.5.0/24",
          "          gateway: 172.28.0.1",
          "          aux_addresses: {router: 172.28.0.2}",
          "      options: {foo: bar}",
          "  shared:",
          "    external: true",
          "    name: proxy",
          "  legacy:",
          "    external:",
          "      name: old-proxy",
          "",
        ].join("\n"),
      ),
    )
    const byKey = Object.fromEntries(state.networks.map((n) => [n.key, n]))
    expect(byKey["back"]).toEqual({
      key: "back",
      name: "demo_back",
      driver: "bridge",
      internal: false,
      labels: {},
      external: false,
      attachable: true,
      enableIpv6: false,
      driverOpts: { "com.docker.network.bridge.name": "br-back", mtu: "1400" },
      ipam: {
        driver: "default",
        config: [
          {
            subnet: "172.28.0.0/16",
            ipRange: "172.28.5.0/24",
            gateway: "172.28.0.1",
            auxAddresses: { router: "172.28.0.2" },
          },
        ],
        options: { foo: "bar" },
      },
    })
    expect(byKey["shared"]).toMatchObject({ name: "proxy", external: true })
    expect(byKey["legacy"]).toMatchObject({ name: "old-proxy", external: true })
  })

  it("hashes ipam into the network, and a network without the new fields as before", () => {
    const base = { key: "b", name: "f_b", driver: "bridge", internal: false, labels: {}, external: false }
    // The hash of a plain network must not move: networks made by earlier versions stay.
    expect(networkHash(base)).toBe(
      sha256Hex(canonicalJson({ driver: "bridge", internal: false, labels: {} })),
    )
    const a = networkHash({ ...base, ipam: { config: [{ subnet: "172.28.0.0/16" }] } })
    const b = networkHash({ ...base, ipam: { config: [{ subnet: "172.29.0.0/16" }] } })
    expect(a).not.toBe(b)
    expect(a).not.toBe(networkHash(base))
  })

  it.each([
    ["an unknown link target", "    links: [cache]\n", 'links to unknown service "cache"'],
    ["external_links", "    external_links: [proxy:web]\n", "external_links is not supported"],
    ["a DNS server that is not an address", "    dns: [dns.example.org]\n", "is not an IP address"],
    ["a bad expose range", '    expose: ["9000-8000"]\n', "is not a port to expose"],
    ["a bad MAC address", "    mac_address: 02:42\n", "is not a MAC address"],
    ["a link with two colons", "    links: ['db:a:b']\n", "is not a link"],
    [
      "two different MAC addresses for the first network",
      "    mac_address: 02:42:ac:11:00:01\n    networks:\n      default:\n        mac_address: 02:42:ac:11:00:02\n",
      "mac_address differs from the one of network demo_default",
    ],
    [
      "an IPv6 address as ipv4_address",
      "    networks:\n      default:\n        ipv4_address: fd00::1\n",
      "is not an IPv4 address",
    ],
  ])("refuses %s with its position", (_name, yaml, message) => {
    const lines = issues(fleet(yaml))
    expect(lines.some((l) => /^fleet\.yaml:\d+:\d+/.test(l) && l.includes(message))).toBe(true)
  })

  it("points at the key of an undeclared network written as a mapping", () => {
    expect(issues(fleet("    networks:\n      default:\n      back: { aliases: [api] }\n"))).toEqual([
      'fleet.yaml:6:7: services.web.networks.back: network "back" is not declared under the top-level networks',
    ])
  })

  it("counts links in the dependency cycle check", () => {
    const result = load(
      "services:\n  a:\n    image: busybox\n    links: [b]\n  b:\n    image: busybox\n    depends_on: [a]\n",
    )
    expect(issues(result).join("\n")).toContain("dependency cycle")
  })
})
