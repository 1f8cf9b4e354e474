// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Compose ${VAR} syntax is the subject under test
import { describe, expect, it } from "vitest"
import { issues, load } from "./support.ts"

/** Each case: a manifest and the exact lines `fleetd validate` must print for it. */
const cases: ReadonlyArray<{
  readonly name: string
  readonly yaml: string
  readonly expected: ReadonlyArray<string>
}> = [
  {
    name: "reports a YAML syntax error at its position",
    yaml: "services:\n  web: [\n",
    expected: [
      "fleet.yaml:3:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ],
  },
  {
    name: "reports a duplicate key at the second occurrence",
    yaml: "services:\n  web:\n    image: busybox\n    image: other\n",
    expected: ['fleet.yaml:4:5: duplicate key "image": each key may appear only once in a mapping'],
  },
  {
    name: "refuses an alias bomb instead of expanding it",
    yaml: [
      "x-a: &a [x, x, x, x, x, x, x, x, x, x]",
      "x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "x-d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "services: {}",
    ].join("\n"),
    expected: [
      'fleet.yaml:2:10: aliases expand to too many nodes (limit 100); refusing a possible "billion laughs" document',
    ],
  },
  {
    name: "refuses a root that is not a mapping",
    yaml: "- a\n- b\n",
    expected: ["fleet.yaml:1:1: the top level must be a mapping (name, services, networks, volumes)"],
  },
  {
    name: "refuses an empty document",
    yaml: "# nothing\n",
    expected: ["fleet.yaml:1:1: the manifest is empty; expected a mapping with services"],
  },
  {
    name: "refuses a manifest over 1 MiB",
    yaml: `services: {}\n${"# padding\n".repeat(110_000)}`,
    expected: [
      "fleet.yaml:1:1: the manifest is 1100013 bytes, over the 1048576-byte limit (keep fleet.yaml under 1 MiB)",
    ],
  },
  {
    name: "names every unknown field: top level, service, nested, x-fleetd",
    yaml: `services:
  web:
    image: busybox
    privileges: true
    pid: container:x
    healthcheck:
      test: true
      bogus: 1
    x-fleetd:
      rollout: []
    x-notes: anything goes in x-*
unknown: 1
x-anchors: {}
x-fleetd: {}
`,
    expected: [
      'fleet.yaml:4:5: services.web.privileges: unknown or unsupported service field "privileges" (fleetd accepts a subset of Compose (see schemas/fleet.schema.json); put extensions under x-*)',
      'fleet.yaml:5:10: services.web.pid: pid "container:x" is not supported (host)',
      "fleet.yaml:7:13: services.web.healthcheck.test: expected string | list, got boolean",
      'fleet.yaml:8:7: services.web.healthcheck.bogus: unknown or unsupported field "bogus" (fleetd accepts a subset of Compose (see schemas/fleet.schema.json); put extensions under x-*)',
      "fleet.yaml:10:7: services.web.x-fleetd.rollout: x-fleetd.rollout is not supported yet",
      'fleet.yaml:12:1: unknown: unknown or unsupported top-level field "unknown" (fleetd accepts a subset of Compose (see schemas/fleet.schema.json); put extensions under x-*)',
    ],
  },
  {
    name: "reports every wrong type and invalid value in one pass",
    yaml: `services:
  web:
    image: Busybox
    ports:
      - "80:80"
      - "70000:80"
      - "8000-8002:80-81"
      - "127.0.0.1:8080:80/icmp"
      - {target: 80, published: "x"}
      - true
    restart: sometimes
    stop_grace_period: 10
    mem_limit: lots
    read_only: "sometimes"
    pull_policy: build
    network_mode: container
    volumes:
      - data
      - "./x:/y:rx"
  worker:
    command: sh
    pull_policy: every_0.5s
x-fleetd: 3
`,
    expected: [
      'fleet.yaml:3:12: services.web.image: "Busybox" is not a valid image reference (expected name[:tag][@digest], lowercase)',
      "fleet.yaml:6:9: services.web.ports[1]: host port 70000 is out of range 1-65535",
      "fleet.yaml:7:9: services.web.ports[2]: the host port range and the container port range must have the same length",
      'fleet.yaml:8:9: services.web.ports[3]: protocol "icmp" is not one of tcp, udp, sctp',
      'fleet.yaml:9:9: services.web.ports[4]: published "x" is not a port number or range',
      `fleet.yaml:10:9: services.web.ports[5]: expected Port, got boolean (write "HOST:CONTAINER", a port number, or a mapping with target and published)`,
      'fleet.yaml:11:14: services.web.restart: "sometimes" is not a restart policy (no, always, on-failure[:N], unless-stopped)',
      "fleet.yaml:12:24: services.web.stop_grace_period: expected Duration, got number (write a duration such as 10s, 1m30s or 500ms)",
      'fleet.yaml:13:16: services.web.mem_limit: "lots" is not a size such as 512m or 1g',
      "fleet.yaml:14:16: services.web.read_only: expected boolean, got string",
      'fleet.yaml:16:19: services.web.network_mode: network_mode "container" is not supported (host, none, bridge, service:<name>, container:<name>)',
      'fleet.yaml:18:9: services.web.volumes[0]: "data" is not an absolute container path',
      'fleet.yaml:19:9: services.web.volumes[1]: mode "rx" is not supported; use ro, rw, z, Z, nocopy or a propagation (rprivate, shared, ...)',
      'fleet.yaml:22:18: services.worker.pull_policy: "every_0.5s" is not a pull period: every_<duration> takes a Compose duration of at least 1s, e.g. every_12h',
      "fleet.yaml:23:11: x-fleetd: x-fleetd must be a mapping",
    ],
  },
  {
    name: "checks names, references, cycles, host ports and reserved labels together",
    yaml: `services:
  web--next:
    image: busybox
  "bad name":
    image: busybox
  a:
    image: busybox
    ports: ["8080:80", "8080:81/udp"]
    depends_on: [b, ghost]
    networks: [front, back]
    labels:
      fleetd.fleet: x
  b:
    image: busybox
    ports: ["127.0.0.1:8080:81"]
    depends_on:
      a: {condition: service_healthy}
      gone: {}
    network_mode: service:nope
    volumes: [data:/data]
networks:
  front:
    labels: [fleetd.owner=me]
`,
    expected: [
      'fleet.yaml:2:3: services.web--next: service name "web--next" must not end with "--next", "--prev" or "--prev-<number>" (fleetd creates replacements under <name>--next and keeps the old container as <name>--prev while it finishes)',
      'fleet.yaml:4:3: services["bad name"]: service name "bad name" must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$',
      "fleet.yaml:9:5: services.a.depends_on: dependency cycle: a -> b -> a",
      'fleet.yaml:9:21: services.a.depends_on[1]: depends on unknown service "ghost"',
      'fleet.yaml:10:23: services.a.networks[1]: network "back" is not declared under the top-level networks',
      'fleet.yaml:12:7: services.a.labels["fleetd.fleet"]: label "fleetd.fleet" uses the reserved prefix "fleetd." (fleetd sets its own fleetd.* labels; rename yours)',
      "fleet.yaml:15:13: services.b.ports[0]: host port 8080/tcp is already published by services.a.ports[0]",
      'fleet.yaml:18:7: services.b.depends_on.gone: depends on unknown service "gone"',
      'fleet.yaml:19:19: services.b.network_mode: network_mode refers to unknown service "nope"',
      'fleet.yaml:20:15: services.b.volumes[0]: volume "data" is not declared under the top-level volumes',
      'fleet.yaml:23:14: networks.front.labels[0]: label "fleetd.owner" uses the reserved prefix "fleetd." (fleetd sets its own fleetd.* labels; rename yours)',
    ],
  },
  {
    name: "reports the same host port published twice by one service",
    yaml: 'services:\n  web:\n    image: busybox\n    ports: ["8080:80", "8079-8080:90-91"]\n',
    expected: [
      "fleet.yaml:4:24: services.web.ports[1]: host port 8080/tcp is already published by services.web.ports[0]",
    ],
  },
  {
    name: "reports every YAML syntax error, not only the first",
    yaml: "services:\n  web:\n    image: busybox\n    environment:\n      A: b\n      - not a list\n",
    expected: [
      "fleet.yaml:6:1: YAML syntax error: A block sequence may not be used as an implicit map key",
      "fleet.yaml:6:7: YAML syntax error: Implicit keys need to be on a single line",
      "fleet.yaml:6:7: YAML syntax error: Implicit map keys need to be followed by map values",
    ],
  },
  {
    name: "refuses a bare FLEETD_ environment key, which would copy fleetd's own setting",
    yaml: "services:\n  web:\n    image: busybox\n    environment: [FLEETD_TOKEN, PLAIN]\n",
    expected: [
      "fleet.yaml:4:19: services.web.environment[0]: FLEETD_TOKEN is reserved for fleetd's own settings (it may hold secrets) and cannot be referenced from the manifest",
    ],
  },
  {
    name: "refuses ${FLEETD_*} references even with a default, and reports ${X:?msg} at the value",
    yaml: `services:
  web:
    image: "\${IMG:?set IMG to the image}"
    environment:
      SECRET: \${FLEETD_WEBHOOK_SECRET:-none}
      FLEETD_TOKEN:
`,
    expected: [
      "fleet.yaml:3:12: services.web.image: required variable IMG is not set: set IMG to the image",
      "fleet.yaml:5:15: services.web.environment.SECRET: FLEETD_WEBHOOK_SECRET is reserved for fleetd's own settings (it may hold secrets) and cannot be referenced from the manifest",
    ],
  },
  {
    name: "refuses an invalid fleet name from the manifest",
    yaml: "name: Bad_Name\nservices: {}\n",
    expected: [
      'fleet.yaml:1:7: name: fleet name "Bad_Name" must match ^[a-z0-9][a-z0-9_-]*$ (lowercase letters, digits, _ and -)',
    ],
  },
]

describe("manifest validation", () => {
  for (const c of cases)
    it(c.name, () => {
      expect(issues(load(c.yaml, c.name.includes("fleet name") ? { fleet: undefined } : {}))).toEqual(
        c.expected,
      )
    })
})
