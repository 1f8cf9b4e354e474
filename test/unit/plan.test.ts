import { describe, expect, it } from "vitest"
import type { Action } from "../../src/domain/Action.ts"
import { Labels } from "../../src/domain/labels.ts"
import type { ObservedContainer } from "../../src/domain/ObservedState.ts"
import { type Trial, trialLabel } from "../../src/domain/trial.ts"
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
    case "Handover":
      return `Handover ${a.service.name} ${a.reason} [${a.changes.join(",")}]`
    case "HandoverPending":
      return `HandoverPending ${a.service}`
    case "HandoverFailed":
      return `HandoverFailed ${a.service} ${a.containerName}`
    case "Start":
      return `Start ${a.service}`
    case "Resume":
      return `Resume ${a.service.name} ${a.stage} ${a.trial.name}${a.old ? ` old=${a.old.name}${a.old.wasRunning ? "(ran)" : ""}` : ""}${a.stage === "hooks" ? ` from=${a.hooksDone}` : ""}`
    case "RollBack":
      return `RollBack ${a.service.name} ${a.trial.name}${a.old ? ` old=${a.old.name}${a.old.wasRunning ? "(ran)" : ""}` : ""}`
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

/** A container fleetd created for `svc` with its trial label, as a crash left it. */
const onTrial = (
  svc: ReturnType<typeof service>,
  name: string,
  trial: Partial<Trial>,
  overrides: Partial<ObservedContainer> = {},
): ObservedContainer => {
  const c = running(svc, { name, id: `id-${name}` })
  const label = trialLabel({ since: "2026-12-04T03:00:00.000Z", wasRunning: true, ...trial })
  return { ...c, labels: { ...c.labels, ...label }, ...overrides }
}

describe("plan after a crash in the middle of a rollout", () => {
  const v1 = service("web", { env: ["A=1"] })
  const v2 = service("web", { env: ["A=2"] })
  const v3 = service("web", { env: ["A=3"] })
  const fixed = (env: string) =>
    service("web", { env: [env], ports: [{ target: 80, protocol: "tcp", published: 8080 }] })
  const replaces = { replaces: "id-t-web" }
  const cases: ReadonlyArray<{
    name: string
    want: ReturnType<typeof service>
    containers: ReadonlyArray<ObservedContainer>
    held?: string
    expected: ReadonlyArray<string>
  }> = [
    {
      name: "killed during a start-first gate: the --next is gated again, never adopted",
      want: v2,
      containers: [running(v1), onTrial(v2, "t-web--next", replaces)],
      expected: ["Resume web gate t-web--next old=t-web(ran)"],
    },
    {
      name: "killed during a stop-first gate: the stopped old one is remembered as running before",
      want: fixed("A=2"),
      containers: [
        running(fixed("A=1"), { state: "exited", exitCode: 137 }),
        onTrial(fixed("A=2"), "t-web--next", replaces),
      ],
      expected: ["Resume web gate t-web--next old=t-web(ran)"],
    },
    {
      name: "killed between create and start: the trial is started and gated",
      want: v2,
      containers: [running(v1), onTrial(v2, "t-web--next", replaces, { state: "created" })],
      expected: ["Resume web gate t-web--next old=t-web(ran)"],
    },
    {
      name: "a crash-looping trial that exited while fleetd was down is gated (and fails there)",
      want: v2,
      containers: [running(v1), onTrial(v2, "t-web--next", replaces, { state: "exited", exitCode: 1 })],
      expected: ["Resume web gate t-web--next old=t-web(ran)"],
    },
    {
      name: "a job's trial that completed is gated too (an exit 0 passes a job's gate)",
      want: service("web", { env: ["A=2"] }),
      containers: [
        running(v1, { state: "exited", exitCode: 0 }),
        onTrial(v2, "t-web--next", { ...replaces, wasRunning: false }, { state: "exited", exitCode: 0 }),
      ],
      expected: ["Resume web gate t-web--next old=t-web"],
    },
    {
      name: "killed during a first deployment's gate: gated again with nothing to roll back to",
      want: v2,
      containers: [onTrial(v2, "t-web--next", { wasRunning: false })],
      expected: ["Resume web gate t-web--next"],
    },
    {
      name: "killed between the two renames of a promotion: gated again against the --prev",
      want: v2,
      containers: [
        running(v1, { name: "t-web--prev", id: "id-t-web" }),
        onTrial(v2, "t-web--next", replaces),
      ],
      expected: ["Resume web gate t-web--next old=t-web--prev(ran)"],
    },
    {
      name: "killed during post_deploy: the steps not recorded as done run, the --prev waits",
      want: v2,
      containers: [
        running(v1, { name: "t-web--prev-2", id: "id-t-web" }),
        onTrial(v2, "t-web", replaces, { id: "id-new" }),
      ],
      expected: ["Resume web hooks t-web old=t-web--prev-2(ran) from=2"],
    },
    {
      name: "killed before any post_deploy step finished: from the first step",
      want: v2,
      containers: [
        running(v1, { name: "t-web--prev", id: "id-t-web", state: "exited", exitCode: 137 }),
        onTrial(v2, "t-web", replaces, { id: "id-new" }),
      ],
      expected: ["Resume web hooks t-web old=t-web--prev(ran) from=0"],
    },
    {
      name: "killed in a rollback after the old one got its name back: the stopped trial fails its gate again",
      want: fixed("A=2"),
      containers: [
        running(fixed("A=1"), { state: "exited", exitCode: 137 }),
        onTrial(fixed("A=2"), "t-web--next", replaces, { state: "exited", exitCode: 137 }),
      ],
      expected: ["Resume web gate t-web--next old=t-web(ran)"],
    },
    {
      name: "a trial whose spec is no longer wanted is rolled back, then the new spec replaces",
      want: v3,
      containers: [running(v1), onTrial(v2, "t-web--next", replaces)],
      expected: [
        "RollBack web t-web--next old=t-web(ran)",
        "Replace web spec changed start-first [environment.A]",
      ],
    },
    {
      name: "a stale trial after stop-first: the old one is planned as it will run again",
      want: fixed("A=1"),
      containers: [
        running(fixed("A=1"), { state: "exited", exitCode: 137 }),
        onTrial(fixed("A=2"), "t-web--next", replaces),
      ],
      expected: ["RollBack web t-web--next old=t-web(ran)", "Unchanged web"],
    },
    {
      name: "a stale first-deployment trial is removed and the service created",
      want: v3,
      containers: [onTrial(v2, "t-web--next", { wasRunning: false })],
      expected: ["RollBack web t-web--next", "Create web"],
    },
    {
      name: "a held spec's trial (the daemon rolled it back) is rolled back, not resumed",
      want: v2,
      containers: [running(v1), onTrial(v2, "t-web--next", replaces)],
      held: "v2",
      expected: ["RollBack web t-web--next old=t-web(ran)", "Held web rev1"],
    },
    {
      name: "a trial recorded against another container says nothing about this one",
      want: v2,
      containers: [
        running(v1, { state: "exited", exitCode: 0 }),
        onTrial(v2, "t-web--next", { replaces: "someone-else" }),
      ],
      expected: ["Resume web gate t-web--next old=t-web"],
    },
    {
      name: "post_deploy superseded by a newer spec: the --prev goes, the newer spec replaces",
      want: v3,
      containers: [running(v1, { name: "t-web--prev-1", id: "id-t-web" }), onTrial(v2, "t-web", replaces)],
      expected: ["Remove web t-web--prev-1 replaced", "Replace web spec changed start-first [environment.A]"],
    },
    {
      name: "a --prev left alone gets the name back",
      want: v2,
      containers: [running(v1, { name: "t-web--prev", id: "id-t-web" })],
      expected: ["Adopt web t-web--prev->t-web"],
    },
    {
      name: "anything else is a leftover: a second --prev beside a trial is removed",
      want: v2,
      containers: [
        running(v1),
        running(v1, { name: "t-web--prev-3", id: "stray" }),
        onTrial(v2, "t-web--next", replaces),
      ],
      expected: ["Remove web t-web--prev-3 leftover", "Resume web gate t-web--next old=t-web(ran)"],
    },
  ]

  for (const c of cases)
    it(c.name, () => {
      const held =
        c.held === undefined
          ? undefined
          : new Map([["web", { specHash: running(v2).labels[Labels.specHash] ?? "", revision: "rev1" }]])
      const actions = plan(
        desired([c.want]),
        { containers: c.containers, images },
        held ? { held } : {},
      ).actions
      expect(summarize(actions)).toEqual(c.expected)
    })
})
