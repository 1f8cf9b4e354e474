import { describe, expect, it } from "vitest"
import { manifestFromText } from "../../../src/manifest/manifestFromText.ts"
import { desired, file, issues, load } from "./support.ts"

const head = "services:\n  web:\n    image: busybox\n"
/** The manifest read as `fleetd validate --swarm` reads it. */
const swarm = (text: string, options: Parameters<typeof load>[1] = {}) =>
  load(text, { ...options, target: "swarm" })

describe("the swarm target", () => {
  it("accepts replicas and Swarm's deploy keys, which one engine refuses or ignores", () => {
    const text =
      "services:\n  web:\n    image: busybox\n    deploy: {replicas: 3, placement: {constraints: [node.role==manager]}}\n"
    expect(issues(load(text))[0]).toContain("deploy.replicas: 3 is not supported")
    const web = desired(swarm(text)).services[0]!
    expect(web.swarm).toEqual({
      mode: "replicated",
      replicas: 3,
      constraints: ["node.role==manager"],
      spread: [],
      labels: {},
    })
  })

  it("is chosen by --swarm (ManifestText.target) or x-fleetd.target: swarm, never by default", () => {
    const result = manifestFromText({
      file: "fleet.yaml",
      text: "services:\n  web:\n    image: busybox\n    deploy: {replicas: 2}\n",
      root: "/repo",
      fleet: "demo",
      environment: {},
      target: "swarm",
    })
    expect(result._tag === "ok" && result.desired.target).toBe("swarm")
    expect(result._tag === "ok" && result.desired.services[0]!.swarm?.replicas).toBe(2)
    const byFile = desired(load("x-fleetd: {target: swarm}\nservices:\n  web:\n    image: busybox\n"))
    expect(byFile.target).toBe("swarm")
    expect(byFile.networks[0]?.driver).toBe("overlay")
    const byDefault = desired(load("x-fleetd: {target: engine}\nservices:\n  web:\n    image: busybox\n"))
    expect(byDefault.target).toBeUndefined()
    expect(issues(load("x-fleetd: {target: kubernetes}\nservices: {}\n")).join("\n")).toContain(
      "x-fleetd.target",
    )
  })

  it("makes undeclared and driverless networks overlay networks", () => {
    const d = desired(swarm(`${head}    networks: [back]\nnetworks:\n  back: {}\n`))
    expect(d.networks.map((n) => [n.name, n.driver])).toEqual([["demo_back", "overlay"]])
    expect(desired(swarm(head)).networks.map((n) => [n.name, n.driver])).toEqual([
      ["demo_default", "overlay"],
    ])
  })

  const refused: ReadonlyArray<readonly [string, string]> = [
    [
      "    container_name: web1",
      "fleet.yaml:4:5: services.web.container_name: container_name only makes sense on one host",
    ],
    [
      "    network_mode: host",
      "fleet.yaml:4:19: services.web.network_mode: network_mode: host on a replicated service only makes sense on one host",
    ],
    [
      "    network_mode: none",
      "fleet.yaml:4:19: services.web.network_mode: network_mode: none is not supported on the swarm target",
    ],
    [
      "    volumes: ['./conf:/etc/conf']",
      "fleet.yaml:4:15: services.web.volumes[0]: the relative bind mount ./conf only makes sense on one host",
    ],
    [
      "    privileged: true",
      "fleet.yaml:4:5: services.web.privileged: privileged is not supported on the swarm target",
    ],
    ["    pid: host", "fleet.yaml:4:5: services.web.pid: pid is not supported on the swarm target"],
    [
      "    ports: ['127.0.0.1:8080:80']",
      "fleet.yaml:4:13: services.web.ports[0]: a host address on a published port is not supported on the swarm target",
    ],
    [
      "    deploy: {endpoint_mode: dnsrr}\n    ports: ['8080:80']",
      "fleet.yaml:4:29: services.web.deploy.endpoint_mode: endpoint_mode: dnsrr cannot publish ports through the ingress network",
    ],
    [
      "    deploy: {mode: global, replicas: 2}",
      "fleet.yaml:4:38: services.web.deploy.replicas: deploy.replicas does not apply to mode: global (one task per node)",
    ],
    [
      "    deploy: {update_config: {failure_action: undo}}",
      'fleet.yaml:4:46: services.web.deploy.update_config.failure_action: "undo" is not one of continue, pause, rollback',
    ],
    [
      "    deploy: {rollback_config: {failure_action: rollback}}",
      'fleet.yaml:4:48: services.web.deploy.rollback_config.failure_action: "rollback" is not one of continue, pause',
    ],
    [
      "    deploy: {update_config: {delay: 10}}",
      "fleet.yaml:4:37: services.web.deploy.update_config.delay: 10 is not a duration",
    ],
    [
      "    deploy: {placement: {preferences: [{spread: a, pack: b}]}}",
      "fleet.yaml:4:40: services.web.deploy.placement.preferences[0]: a placement preference is {spread: <descriptor>}",
    ],
    [
      "    deploy: {update_config: {paralelism: 2}}",
      'fleet.yaml:4:30: services.web.deploy.update_config.paralelism: unknown key "paralelism"',
    ],
    [
      "    x-fleetd: {update: {order: stop-first}}",
      "fleet.yaml:4:16: services.web.x-fleetd.update: x-fleetd.update is not supported on the swarm target",
    ],
  ]

  it.each(refused)("reports %j where it is written", (yaml, message) => {
    const found = issues(
      swarm(`${head}${yaml}\n`, { files: { conf: { kind: "directory", realPath: "/repo/conf" } } }),
    )
    expect(found).toHaveLength(1)
    expect(found[0]!.slice(0, message.length)).toBe(message)
  })

  it("says how to fix what it refuses", () => {
    const [container] = issues(swarm(`${head}    container_name: web1\n`))
    expect(container).toContain("Swarm names each task <service>.<slot>.<id>")
  })

  it("refuses a network driver Swarm services cannot join", () => {
    const message =
      "fleet.yaml:5:18: networks.back.driver: driver bridge is not supported on the swarm target"
    expect(issues(swarm(`${head}networks:\n  back: {driver: bridge}\n`))[0]!.slice(0, message.length)).toBe(
      message,
    )
  })

  it("keeps what only matters to Swarm out of single-engine specs", () => {
    const ports = "    ports: [{target: 80, published: 8080, mode: host}]\n"
    const single = desired(load(`services:\n  web:\n    image: busybox\n${ports}`)).services[0]!
    expect(single.spec.ports).toEqual([{ target: 80, published: 8080, protocol: "tcp" }])
    expect(single.swarm).toBeUndefined()
    expect(desired(swarm(`${head}${ports}`)).services[0]!.spec.ports).toEqual([
      { target: 80, published: 8080, protocol: "tcp", mode: "host" },
    ])
  })

  it("accepts an absolute bind mount and a read-only file bind is still hashed", () => {
    const d = desired(
      swarm(`${head}    volumes: ['/srv/data:/data']\n`, { files: { "/srv/data": file("", "/srv/data") } }),
    )
    expect(d.services[0]!.spec.mounts).toEqual([
      { type: "bind", source: "/srv/data", target: "/data", readOnly: false, hostPath: "/srv/data" },
    ])
  })
})
