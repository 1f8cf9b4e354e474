import { describe, expect, it } from "vitest"
import { toServiceSpec } from "../../../src/engine/swarm/toServiceSpec.ts"
import { desired, load } from "../manifest/support.ts"

const head = "services:\n  web:\n    image: busybox\n"
const specOf = (yaml: string) => {
  const d = desired(load(`${head}${yaml}\n`, { target: "swarm" }))
  return toServiceSpec(d.fleet, d.services[0]!).spec
}

/** Manifest lines → the ServiceSpec fields docker stack deploy would send for them. */
const table: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ["    deploy: {replicas: 3}", { Mode: { Replicated: { Replicas: 3 } } }],
  ["    deploy: {mode: global}", { Mode: { Global: {} } }],
  [
    "    deploy:\n      placement:\n        constraints: [node.role==manager, ' node.labels.disk == ssd']\n        preferences: [{spread: node.labels.zone}]\n        max_replicas_per_node: 2",
    {
      TaskTemplate: {
        Placement: {
          Constraints: ["node.role==manager", "node.labels.disk == ssd"],
          Preferences: [{ Spread: { SpreadDescriptor: "node.labels.zone" } }],
          MaxReplicas: 2,
        },
      },
    },
  ],
  [
    "    deploy:\n      update_config: {parallelism: 2, delay: 10s, failure_action: rollback, monitor: 30s, max_failure_ratio: 0.5, order: start-first}\n      rollback_config: {delay: 1s, failure_action: pause}",
    {
      UpdateConfig: {
        Parallelism: 2,
        Delay: 10e9,
        FailureAction: "rollback",
        Monitor: 30e9,
        MaxFailureRatio: 0.5,
        Order: "start-first",
      },
      // Parallelism defaults to 1 as compose's does; the Engine API's 0 would mean all at once.
      RollbackConfig: { Parallelism: 1, Delay: 1e9, FailureAction: "pause" },
    },
  ],
  [
    "    deploy: {restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3, window: 2m}}",
    {
      TaskTemplate: { RestartPolicy: { Condition: "on-failure", Delay: 5e9, MaxAttempts: 3, Window: 120e9 } },
    },
  ],
  ["    restart: unless-stopped", { TaskTemplate: { RestartPolicy: { Condition: "any" } } }],
  ["    restart: 'no'", { TaskTemplate: { RestartPolicy: { Condition: "none" } } }],
  [
    "    restart: on-failure:4",
    { TaskTemplate: { RestartPolicy: { Condition: "on-failure", MaxAttempts: 4 } } },
  ],
  [
    "    deploy: {resources: {limits: {cpus: '0.5', memory: 64m, pids: 100}, reservations: {cpus: '0.25', memory: 32m}}}",
    {
      TaskTemplate: {
        Resources: {
          Limits: { NanoCPUs: 5e8, MemoryBytes: 64 * 2 ** 20, Pids: 100 },
          Reservations: { NanoCPUs: 2.5e8, MemoryBytes: 32 * 2 ** 20 },
        },
      },
    },
  ],
  [
    "    ports: ['8080:80', {target: 53, published: 5353, protocol: udp, mode: host}, '9000']",
    {
      EndpointSpec: {
        Mode: "vip",
        Ports: [
          { Protocol: "udp", TargetPort: 53, PublishedPort: 5353, PublishMode: "host" },
          { Protocol: "tcp", TargetPort: 80, PublishedPort: 8080, PublishMode: "ingress" },
          { Protocol: "tcp", TargetPort: 9000, PublishMode: "ingress" },
        ],
      },
    },
  ],
  ["    deploy: {endpoint_mode: dnsrr}", { EndpointSpec: { Mode: "dnsrr" } }],
  [
    "    networks: {back: {aliases: [api]}}\nnetworks:\n  back: {}",
    { TaskTemplate: { Networks: [{ Target: "demo_back", Aliases: ["api", "web"] }] } },
  ],
  [
    "    network_mode: host\n    deploy: {mode: global}",
    { TaskTemplate: { Networks: [{ Target: "host", Aliases: [] }] } },
  ],
  [
    "    entrypoint: [/bin/sh, -c]\n    command: sleep 1000\n    environment: {B: '2', A: '1'}\n    user: '1000'\n    working_dir: /srv\n    hostname: h\n    init: true\n    read_only: true\n    stop_signal: SIGINT\n    stop_grace_period: 20s\n    extra_hosts: ['db:10.0.0.5']\n    dns: [10.0.0.2]\n    cap_add: [NET_ADMIN]\n    labels: {tier: web}",
    {
      TaskTemplate: {
        ContainerSpec: {
          Image: "busybox",
          Command: ["/bin/sh", "-c"],
          Args: ["sleep", "1000"],
          Env: ["A=1", "B=2"],
          User: "1000",
          Dir: "/srv",
          Hostname: "h",
          Init: true,
          ReadOnly: true,
          StopSignal: "SIGINT",
          StopGracePeriod: 20e9,
          Hosts: ["10.0.0.5 db"],
          DNSConfig: { Nameservers: ["10.0.0.2"] },
          CapabilityAdd: ["CAP_NET_ADMIN"],
          Labels: { tier: "web" },
        },
      },
    },
  ],
  [
    "    healthcheck: {test: [CMD, 'true'], interval: 2s, timeout: 1s, retries: 3, start_period: 5s}",
    {
      TaskTemplate: {
        ContainerSpec: {
          HealthCheck: { Test: ["CMD", "true"], Interval: 2e9, Timeout: 1e9, Retries: 3, StartPeriod: 5e9 },
        },
      },
    },
  ],
  [
    "    volumes: [data:/data, '/srv/logs:/logs:ro', {type: tmpfs, target: /tmp, tmpfs: {size: 1m}}]\nvolumes:\n  data: {}",
    {
      TaskTemplate: {
        ContainerSpec: {
          Mounts: [
            { Type: "volume", Source: "demo_data", Target: "/data", ReadOnly: false },
            { Type: "bind", Source: "/srv/logs", Target: "/logs", ReadOnly: true },
            { Type: "tmpfs", Target: "/tmp", TmpfsOptions: { SizeBytes: 2 ** 20 } },
          ],
        },
      },
    },
  ],
  [
    "    logging: {driver: json-file, options: {max-size: 1m}}",
    { TaskTemplate: { LogDriver: { Name: "json-file", Options: { "max-size": "1m" } } } },
  ],
]

describe("toServiceSpec", () => {
  it.each(table)("maps %j", (yaml, expected) => {
    expect(specOf(yaml)).toMatchObject(expected)
  })

  it("names and labels the service as fleetd's, and leaves its containers' labels to the user", () => {
    const spec = specOf("    deploy: {labels: {team: a}}\n    labels: {tier: web}")
    expect(spec.Name).toBe("demo_web")
    expect(Object.keys(spec.Labels).sort()).toEqual([
      "fleetd.fleet",
      "fleetd.service",
      "fleetd.spec-hash",
      "fleetd.task-hash",
      "team",
    ])
    expect(spec.Labels["fleetd.fleet"]).toBe("demo")
    expect(spec.TaskTemplate.ContainerSpec["Labels"]).toEqual({ tier: "web" })
  })

  it("hashes the tasks apart: labels and replicas change no task, an environment does", () => {
    const taskHash = (extra: string) => specOf(extra).Labels["fleetd.task-hash"]
    expect(taskHash("    deploy: {replicas: 3, labels: {team: a}}")).toBe(taskHash(""))
    expect(taskHash("    environment: {A: '1'}")).not.toBe(taskHash(""))
    expect(taskHash("    ports: ['8080:80']")).not.toBe(taskHash(""))
  })

  it("leaves Swarm's defaults alone where the file says nothing", () => {
    const spec = specOf("")
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 1 } })
    expect(spec.UpdateConfig).toBeUndefined()
    expect(spec.RollbackConfig).toBeUndefined()
    expect(spec.TaskTemplate.RestartPolicy).toBeUndefined()
    expect(spec.TaskTemplate.Placement).toBeUndefined()
    expect(spec.EndpointSpec).toEqual({ Mode: "vip" })
  })

  it("hashes what it sends: equal files hash equally, any change shows", () => {
    const a = specOf("    environment: {A: '1', B: '2'}")
    const same = specOf("    environment: [B=2, A=1]")
    const replicas = specOf("    environment: {A: '1', B: '2'}\n    deploy: {replicas: 2}")
    expect(a.Labels["fleetd.spec-hash"]).toMatch(/^[0-9a-f]{64}$/)
    expect(same.Labels["fleetd.spec-hash"]).toBe(a.Labels["fleetd.spec-hash"])
    expect(replicas.Labels["fleetd.spec-hash"]).not.toBe(a.Labels["fleetd.spec-hash"])
  })
})
