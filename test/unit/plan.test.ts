import { describe, expect, it } from "vitest"
import type { Action } from "../../src/domain/Action.ts"
import { Labels } from "../../src/domain/labels.ts"
import { plan } from "../../src/planner/plan.ts"
import { desired, images, running, service } from "../support/fixtures.ts"

/** `tag service detail` lines: compact enough to read a whole plan in one assertion. */
const summarize = (actions: ReadonlyArray<Action>): ReadonlyArray<string> => actions.map(summarizeOne)

const summarizeOne = (a: Action): string => {
  switch (a._tag) {
    case "PullImage":
      return `PullImage ${a.image} ${a.reason}`
    case "BuildImage":
      return `BuildImage ${a.image} ${a.reason} [${a.services.join(",")}]`
    case "CreateNetwork":
      return `CreateNetwork ${a.network.name}`
    case "CreateVolume":
      return `CreateVolume ${a.volume.name}`
    case "Create":
      return `Create ${a.service.name}`
    case "Replace":
      return `Replace ${a.service.name} ${a.reason} ${a.strategy} [${a.changes.join(",")}]`
    case "Start":
      return `Start ${a.service}`
    case "Adopt":
      return `Adopt ${a.service} ${a.from}->${a.to}`
    case "Remove":
      return `Remove ${a.service} ${a.containerName} ${a.reason}`
    case "Unchanged":
      return `Unchanged ${a.service}`
    case "Completed":
      return `Completed ${a.service} ${a.exitCode}`
    case "Blocked":
      return `Blocked ${a.service}`
    case "Held":
      return `Held ${a.service} ${a.revision}`
    case "Suspended":
      return `Suspended ${a.service} ${a.reason}`
    case "CheckExternal":
      return `CheckExternal ${a.kind} ${a.name} [${a.services.join(",")}]`
    case "RecreateNetwork":
      return `RecreateNetwork ${a.network.name} [${a.attached.map((c) => `${c.containerName}${c.aliases ? `(${c.aliases.join(",")})` : ""}`).join(",")}]`
    case "RemoveNetwork":
      return `RemoveNetwork ${a.name}`
    case "RemoveVolume":
      return `RemoveVolume ${a.name}`
    case "KeepVolume":
      return `KeepVolume ${a.name}`
    case "ResourceBlocked":
      return `ResourceBlocked ${a.kind} ${a.name}`
  }
}

const web = service("web")
const db = service("db")

describe("plan", () => {
  const cases: ReadonlyArray<{
    name: string
    desired: Parameters<typeof plan>[0]
    observed: Parameters<typeof plan>[1]
    expected: ReadonlyArray<string>
  }> = [
    {
      name: "creates every service on an empty host",
      desired: desired([web, db]),
      observed: { containers: [], images },
      expected: ["Create db", "Create web"],
    },
    {
      name: "changes nothing when everything runs as desired",
      desired: desired([web, db]),
      observed: { containers: [running(web), running(db)], images },
      expected: ["Unchanged db", "Unchanged web"],
    },
    {
      name: "replaces only the service whose environment changed, naming the variable",
      desired: desired([service("web", { env: ["LOG=debug"] }), db]),
      observed: { containers: [running(service("web", { env: ["LOG=info"] })), running(db)], images },
      expected: ["Unchanged db", "Replace web spec changed start-first [environment.LOG]"],
    },
    {
      name: "replaces a service whose tag now points at another image",
      desired: desired([web]),
      observed: {
        containers: [running(web)],
        images: [{ id: "sha256:new", refs: ["fleetd-test/app:v1"] }],
      },
      expected: ["Replace web image changed start-first []"],
    },
    {
      name: "replaces stop-first when the service publishes a fixed host port",
      desired: desired([
        service("web", { ports: [{ target: 80, protocol: "tcp", published: 8080 }], env: ["A=2"] }),
      ]),
      observed: {
        containers: [
          running(
            service("web", { ports: [{ target: 80, protocol: "tcp", published: 8080 }], env: ["A=1"] }),
          ),
        ],
        images,
      },
      expected: ["Replace web spec changed stop-first [environment.A]"],
    },
    {
      name: "starts a container that was stopped by hand",
      desired: desired([web]),
      observed: { containers: [running(web, { state: "exited" })], images },
      expected: ["Start web"],
    },
    {
      name: "starts a container stopped from outside (exit 137), even with restart no",
      desired: desired([web]),
      observed: { containers: [running(web, { state: "exited", exitCode: 137 })], images },
      expected: ["Start web"],
    },
    {
      name: "leaves a job that exited 0 with restart no as Completed, not started again",
      desired: desired([web]),
      observed: { containers: [running(web, { state: "exited", exitCode: 0 })], images },
      expected: ["Completed web 0"],
    },
    {
      name: "leaves a job that failed with restart no exited, with its exit code",
      desired: desired([web]),
      observed: { containers: [running(web, { state: "exited", exitCode: 3 })], images },
      expected: ["Completed web 3"],
    },
    {
      name: "leaves an on-failure job that succeeded (or ran out of retries) as it is",
      desired: desired([
        service("job", { restart: "on-failure" }),
        service("retry", { restart: "on-failure" }),
      ]),
      observed: {
        containers: [
          running(service("job", { restart: "on-failure" }), { state: "exited", exitCode: 0 }),
          running(service("retry", { restart: "on-failure" }), { state: "exited", exitCode: 2 }),
        ],
        images,
      },
      expected: ["Completed job 0", "Completed retry 2"],
    },
    {
      name: "starts an exited container whose restart policy is always or unless-stopped",
      desired: desired([service("a", { restart: "always" }), service("b", { restart: "unless-stopped" })]),
      observed: {
        containers: [
          running(service("a", { restart: "always" }), { state: "exited", exitCode: 0 }),
          running(service("b", { restart: "unless-stopped" }), { state: "exited", exitCode: 1 }),
        ],
        images,
      },
      expected: ["Start a", "Start b"],
    },
    {
      name: "runs a completed job again when its spec changes",
      desired: desired([service("web", { env: ["A=2"] })]),
      observed: {
        containers: [running(service("web", { env: ["A=1"] }), { state: "exited", exitCode: 0 })],
        images,
      },
      expected: ["Replace web spec changed start-first [environment.A]"],
    },
    {
      name: "adopts a job's replacement that completed before an interruption",
      desired: desired([service("web", { env: ["A=2"] })]),
      observed: {
        containers: [
          running(service("web", { env: ["A=1"] }), { state: "exited", exitCode: 0 }),
          running(service("web", { env: ["A=2"] }), {
            name: "t-web--next",
            id: "next",
            state: "exited",
            exitCode: 0,
          }),
        ],
        images,
      },
      expected: ["Remove web t-web replaced", "Adopt web t-web--next->t-web"],
    },
    {
      name: "replaces a network_mode: host service stop-first (it binds host ports fleetd cannot see)",
      desired: desired([service("web", { networkMode: "host", env: ["A=2"] })]),
      observed: { containers: [running(service("web", { networkMode: "host", env: ["A=1"] }))], images },
      expected: ["Replace web spec changed stop-first [environment.A]"],
    },
    {
      name: "keeps an explicit order: start-first on a network_mode: host service",
      desired: desired([
        service(
          "web",
          { networkMode: "host", env: ["A=2"] },
          { update: { order: "start-first", healthTimeoutMs: 1000, minReadyMs: 0, rollback: true } },
        ),
      ]),
      observed: { containers: [running(service("web", { networkMode: "host", env: ["A=1"] }))], images },
      expected: ["Replace web spec changed start-first [environment.A]"],
    },
    {
      name: "replaces a dead container as drift",
      desired: desired([web]),
      observed: { containers: [running(web, { state: "dead" })], images },
      expected: ["Replace web drift start-first []"],
    },
    {
      name: "removes a service that left the manifest, after everything else",
      desired: desired([web]),
      observed: { containers: [running(db), running(web)], images },
      expected: ["Unchanged web", "Remove db t-db orphan"],
    },
    {
      name: "pulls a missing image once for all services that use it",
      desired: desired([service("a", { image: "busybox:1.36" }), service("b", { image: "busybox:1.36" })]),
      observed: { containers: [], images },
      expected: ["PullImage busybox:1.36 missing", "Create a", "Create b"],
    },
    {
      name: "pulls on every pass with pull_policy always",
      desired: desired([service("a", {}, { pullPolicy: "always" })]),
      observed: { containers: [running(service("a"))], images },
      expected: ["PullImage fleetd-test/app:v1 always", "Unchanged a"],
    },
    {
      name: "blocks a service whose image is missing with pull_policy never",
      desired: desired([service("a", { image: "nothere:1" }, { pullPolicy: "never" })]),
      observed: { containers: [], images },
      expected: ["Blocked a"],
    },
    {
      name: "adopts a replacement interrupted after the old container was removed",
      desired: desired([web]),
      observed: { containers: [running(web, { name: "t-web--next", id: "next" })], images },
      expected: ["Adopt web t-web--next->t-web"],
    },
    {
      name: "removes the leftover of an interrupted replacement before replacing again",
      desired: desired([service("web", { env: ["A=2"] })]),
      observed: {
        containers: [
          running(service("web", { env: ["A=1"] })),
          running(service("web", { env: ["A=2"] }), { name: "t-web--next", id: "next", state: "created" }),
        ],
        images,
      },
      expected: ["Remove web t-web--next leftover", "Replace web spec changed start-first [environment.A]"],
    },
    {
      name: "finishes a replacement interrupted after the new container started",
      desired: desired([service("web", { env: ["A=2"] })]),
      observed: {
        containers: [
          running(service("web", { env: ["A=1"] }), { state: "exited" }),
          running(service("web", { env: ["A=2"] }), { name: "t-web--next", id: "next" }),
        ],
        images,
      },
      expected: ["Remove web t-web replaced", "Adopt web t-web--next->t-web"],
    },
    {
      name: "recreates when the only leftover is not what is desired",
      desired: desired([service("web", { env: ["A=3"] })]),
      observed: {
        containers: [running(service("web", { env: ["A=2"] }), { name: "t-web--next", id: "next" })],
        images,
      },
      expected: ["Remove web t-web--next leftover", "Create web"],
    },
    {
      name: "orders services after their dependencies",
      desired: desired([
        service("a", {}, { dependsOn: [{ service: "c", condition: "service_started", required: true }] }),
        service("b"),
        service("c", {}, { dependsOn: [{ service: "b", condition: "service_started", required: true }] }),
      ]),
      observed: { containers: [], images },
      expected: ["Create b", "Create c", "Create a"],
    },
    {
      name: "ignores containers of another fleet even if the engine returned them",
      desired: desired([web]),
      observed: {
        containers: [running(service("web", {}, {}, "other"), { name: "other-web" }, "other")],
        images,
      },
      expected: ["Create web"],
    },
  ]

  for (const c of cases) {
    it(c.name, () => {
      expect(summarize(plan(c.desired, c.observed).actions)).toEqual(c.expected)
    })
  }

  it("creates a network and a volume only when no container shows they exist", () => {
    const net = {
      key: "default",
      name: "t_default",
      driver: "bridge",
      internal: false,
      labels: {},
      external: false,
    }
    const vol = { key: "data", name: "t_data", driver: "local", labels: {}, external: false }
    const svc = service("web", {
      networks: [{ name: "t_default", aliases: ["web"] }],
      mounts: [{ type: "volume", source: "t_data", target: "/data", readOnly: false }],
    })
    const state = { ...desired([svc]), networks: [net], volumes: [vol] }
    expect(summarize(plan(state, { containers: [], images }).actions)).toEqual([
      "CreateNetwork t_default",
      "CreateVolume t_data",
      "Create web",
    ])
    expect(summarize(plan(state, { containers: [running(svc)], images }).actions)).toEqual(["Unchanged web"])
  })

  it("says which fields changed when the container predates field tracking", () => {
    const old = running(service("web", { env: ["A=1"] }))
    const { [Labels.spec]: _dropped, ...labels } = old.labels
    const actions = plan(desired([service("web", { env: ["A=2"] })]), {
      containers: [{ ...old, labels }],
      images,
    }).actions
    expect(summarize(actions)).toEqual([
      "Replace web spec changed start-first [(unknown: the container predates field tracking)]",
    ])
  })
})
