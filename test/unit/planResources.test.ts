import { describe, expect, it } from "vitest"
import type { Action } from "../../src/domain/Action.ts"
import type { DesiredNetwork, DesiredState, DesiredVolume } from "../../src/domain/DesiredState.ts"
import { Labels } from "../../src/domain/labels.ts"
import type { ObservedResource, ObservedState } from "../../src/domain/ObservedState.ts"
import { networkHash, volumeHash } from "../../src/domain/resourceHash.ts"
import { plan } from "../../src/planner/plan.ts"
import { desired, images, net, running, service, vol } from "../support/fixtures.ts"

/** What a listing shows for a network or volume fleetd created from `spec`. */
const listedNet = (spec: DesiredNetwork, fleet = "t"): ObservedResource => ({
  id: `id-${spec.name}`,
  name: spec.name,
  driver: spec.driver,
  internal: spec.internal,
  labels: { ...spec.labels, [Labels.fleet]: fleet, [Labels.specHash]: networkHash(spec) },
})
const listedVol = (spec: DesiredVolume, fleet = "t"): ObservedResource => ({
  id: spec.name,
  name: spec.name,
  driver: spec.driver,
  labels: { ...spec.labels, [Labels.fleet]: fleet, [Labels.specHash]: volumeHash(spec) },
})

const onNet = (name: string, network: DesiredNetwork, aliases: ReadonlyArray<string> = [name]) =>
  service(name, { networks: [{ name: network.name, aliases }] })
const withVolume = (name: string, volume: DesiredVolume) =>
  service(name, { mounts: [{ type: "volume", source: volume.name, target: "/data", readOnly: false }] })

const summary = (a: Action): string => {
  switch (a._tag) {
    case "RecreateNetwork":
      return `RecreateNetwork ${a.network.name} [${a.attached.map((c) => `${c.containerName}${c.aliases ? `(${c.aliases.join(",")})` : ""}`).join(" ")}]`
    case "CreateNetwork":
      return `CreateNetwork ${a.network.name}`
    case "CreateVolume":
      return `CreateVolume ${a.volume.name}`
    case "CheckExternal":
      return `CheckExternal ${a.kind} ${a.name} [${a.services.join(",")}]`
    case "RemoveNetwork":
    case "RemoveVolume":
    case "KeepVolume":
      return `${a._tag} ${a.name}`
    case "ResourceBlocked":
      return `ResourceBlocked ${a.kind} ${a.name}`
    case "Suspended":
      return `Suspended ${a.service}: ${a.reason}${a.containerName ? ` (${a.containerName})` : ""}`
    case "Remove":
      return `Remove ${a.containerName} ${a.reason}`
    case "Create":
    case "Replace":
      return `${a._tag} ${a.service.name}`
    case "Unchanged":
    case "Start":
    case "Blocked":
    case "Held":
      return `${a._tag} ${a.service}`
    default:
      return a._tag
  }
}

const front = net("front")
const data = vol("data")
const web = onNet("web", front)
const db = withVolume("db", data)
const state = (extra: Partial<DesiredState> = {}): DesiredState => ({
  ...desired([db, web]),
  networks: [front],
  volumes: [data],
  ...extra,
})

describe("plan: networks and volumes", () => {
  const cases: ReadonlyArray<{
    name: string
    desired: DesiredState
    observed: ObservedState
    expected: string[]
  }> = [
    {
      name: "with a listing that shows them as desired, plans nothing for them",
      desired: state(),
      observed: {
        containers: [running(db), running(web)],
        images,
        networks: [listedNet(front)],
        volumes: [listedVol(data)],
      },
      expected: ["Unchanged db", "Unchanged web"],
    },
    {
      name: "without a listing, trusts the containers' evidence",
      desired: state({ networks: [net("front", { driver: "macvlan" })] }),
      observed: { containers: [running(db), running(web)], images },
      expected: ["Unchanged db", "Unchanged web"],
    },
    {
      name: "without a listing, creates what no container evidences",
      desired: state(),
      observed: { containers: [], images },
      expected: ["CreateNetwork t_front", "CreateVolume t_data", "Create db", "Create web"],
    },
    {
      name: "with a listing, creates only what is not listed, even with no container",
      desired: state(),
      observed: { containers: [], images, networks: [listedNet(front)], volumes: [] },
      expected: ["CreateVolume t_data", "Create db", "Create web"],
    },
    {
      name: "recreates a network whose driver changed, reconnecting its containers with their aliases",
      desired: {
        ...state({ networks: [net("front", { driver: "macvlan" })] }),
        services: [db, onNet("web", front, ["web", "www"])],
      },
      observed: {
        containers: [running(db), running(onNet("web", front, ["web", "www"]))],
        images,
        networks: [listedNet(front)],
        volumes: [listedVol(data)],
      },
      expected: ["RecreateNetwork t_front [t-web(web,www)]", "Unchanged db", "Unchanged web"],
    },
    {
      name: "recreates a network whose labels changed; an orphan on it is only disconnected",
      desired: { ...state({ networks: [net("front", { labels: { tier: "edge" } })] }), services: [db, web] },
      observed: {
        containers: [running(db), running(web), running(onNet("old", front))],
        images,
        networks: [listedNet(front)],
        volumes: [listedVol(data)],
      },
      expected: [
        "RecreateNetwork t_front [t-old t-web(web)]",
        "Unchanged db",
        "Unchanged web",
        "Remove t-old orphan",
      ],
    },
    {
      name: "removes a network that left the manifest after its containers, last",
      desired: { ...state({ networks: [] }), services: [db] },
      observed: {
        containers: [running(db), running(web)],
        images,
        networks: [listedNet(front)],
        volumes: [listedVol(data)],
      },
      expected: ["Unchanged db", "Remove t-web orphan", "RemoveNetwork t_front"],
    },
    {
      name: "keeps a volume that left the manifest, with its service",
      desired: { ...state({ volumes: [] }), services: [web] },
      observed: {
        containers: [running(db), running(web)],
        images,
        networks: [listedNet(front)],
        volumes: [listedVol(data)],
      },
      expected: ["Unchanged web", "Remove t-db orphan", "KeepVolume t_data"],
    },
    {
      name: "removes a volume that left the manifest with prune_volumes",
      desired: { ...state({ volumes: [], pruneVolumes: true }), services: [web] },
      observed: {
        containers: [running(db), running(web)],
        images,
        networks: [listedNet(front)],
        volumes: [listedVol(data)],
      },
      expected: ["Unchanged web", "Remove t-db orphan", "RemoveVolume t_data"],
    },
    {
      name: "never recreates a volume whose spec changed: blocked, its service untouched",
      desired: state({ volumes: [vol("data", { driverOpts: { type: "tmpfs", device: "tmpfs" } })] }),
      observed: {
        containers: [running(db), running(web)],
        images,
        networks: [listedNet(front)],
        volumes: [listedVol(data)],
      },
      expected: ["Unchanged db", "Unchanged web", "ResourceBlocked volume t_data"],
    },
    {
      name: "only checks an external network and volume that no container evidences",
      desired: state({
        networks: [net("front", { name: "shared", external: true })],
        volumes: [vol("data", { name: "backup", external: true })],
      }),
      observed: { containers: [], images, networks: [], volumes: [] },
      expected: [
        "CheckExternal network shared []",
        "CheckExternal volume backup []",
        "Create db",
        "Create web",
      ],
    },
    {
      name: "adopts a network from before spec labels when driver and internal agree",
      desired: state(),
      observed: {
        containers: [running(db), running(web)],
        images,
        networks: [
          { id: "n1", name: "t_front", driver: "bridge", internal: false, labels: { [Labels.fleet]: "t" } },
        ],
        volumes: [{ id: "t_data", name: "t_data", driver: "local", labels: { [Labels.fleet]: "t" } }],
      },
      expected: ["Unchanged db", "Unchanged web"],
    },
    {
      name: "leaves a suspended service as it is, and not as an orphan",
      desired: { ...state(), services: [db, { ...web, suspended: "maintenance" }] },
      observed: {
        containers: [running(db), running(onNet("web", front), { state: "exited" })],
        images,
        networks: [listedNet(front)],
        volumes: [listedVol(data)],
      },
      expected: ["Unchanged db", "Suspended web: maintenance (t-web)"],
    },
    {
      name: "does not create a suspended service, nor pull its image",
      desired: desired([service("web", { image: "busybox:9" }, { suspended: "later" })]),
      observed: { containers: [], images },
      expected: ["Suspended web: later"],
    },
    {
      name: "does not recreate or remove a network a suspended service is attached to",
      desired: {
        ...state({ networks: [net("front", { driver: "macvlan" })] }),
        services: [db, { ...web, suspended: "x" }],
      },
      observed: {
        containers: [running(db), running(web)],
        images,
        networks: [listedNet(front), listedNet(net("gone"))],
        volumes: [listedVol(data)],
      },
      expected: [
        "ResourceBlocked network t_front",
        "Unchanged db",
        "Suspended web: x (t-web)",
        "RemoveNetwork t_gone",
      ],
    },
  ]

  for (const c of cases) {
    it(c.name, () => {
      expect(plan(c.desired, c.observed).actions.map(summary)).toEqual(c.expected)
    })
  }

  it("never plans removal of anything the listing does not attribute to this fleet", () => {
    // The engine filters by label; should an unlabelled one slip through, it is not ours to remove.
    const actions = plan(
      { ...state({ networks: [], volumes: [] }), services: [] },
      { containers: [], images, networks: [], volumes: [] },
    ).actions
    expect(actions).toEqual([])
  })

  it("orders resource actions deterministically: setup by name first, teardown by name last", () => {
    const a = net("a")
    const b = net("b", { driver: "macvlan" })
    const observed: ObservedState = {
      containers: [],
      images,
      networks: [listedNet(net("z")), listedNet(net("b")), listedNet(net("y"))],
      volumes: [listedVol(vol("k2")), listedVol(vol("k1"))],
    }
    const actions = plan({ ...desired([]), networks: [b, a], volumes: [] }, observed).actions.map(summary)
    expect(actions).toEqual([
      "CreateNetwork t_a",
      "RecreateNetwork t_b []",
      "RemoveNetwork t_y",
      "RemoveNetwork t_z",
      "KeepVolume t_k1",
      "KeepVolume t_k2",
    ])
  })
})
