import { describe, expect, it } from "vitest"
import type { FleetStatus, ServiceStatus } from "../../../src/domain/FleetStatus.ts"
import type { NotifyKind } from "../../../src/notify/NotifyEvent.ts"
import {
  defaultNoticeOptions,
  emptyNoticeMemory,
  type NoticeMemory,
  stateChanges,
} from "../../../src/notify/stateChanges.ts"

const rev = (n: number) => `${String(n).repeat(40)}`.slice(0, 40)

const svc = (
  name: string,
  sync: ServiceStatus["sync"],
  health: ServiceStatus["health"] = "Healthy",
): ServiceStatus => ({
  name,
  image: "img",
  sync,
  health,
  ...(sync === "RolledBack" ? { lastError: { at: "t", message: "health gate failed: exited 1" } } : {}),
})

const status = (over: Partial<FleetStatus> = {}): FleetStatus => ({
  fleet: "shop",
  source: { kind: "git", location: "repo", ref: "main" },
  phase: "Synced",
  engine: { reachable: true },
  services: [svc("web", "Synced")],
  lastAppliedRevision: rev(1),
  ...over,
})

/** Runs statuses through stateChanges, one minute apart; returns the kinds told per step. */
const run = (steps: ReadonlyArray<FleetStatus>, options = defaultNoticeOptions) => {
  let memory: NoticeMemory = emptyNoticeMemory
  return steps.map((s, i) => {
    const next = stateChanges("main", memory, s, i * 60_000, options)
    memory = next.memory
    return next.events.map((e) => e.kind)
  })
}

const ok = status()
const rolledBack = status({ phase: "Degraded", services: [svc("web", "RolledBack")] })
const fixed = status({
  lastAppliedRevision: rev(3),
  lastPass: {
    triggers: ["poll"],
    startedAt: "t",
    changes: [{ service: "web", outcome: "replaced", reason: "image changed" }],
  },
})

describe("stateChanges", () => {
  const table: ReadonlyArray<{
    name: string
    steps: ReadonlyArray<FleetStatus>
    told: ReadonlyArray<ReadonlyArray<NotifyKind>>
  }> = [
    { name: "a start with nothing to do tells nothing", steps: [ok], told: [[]] },
    { name: "ten no-op passes tell nothing", steps: Array(10).fill(ok), told: Array(10).fill([]) },
    {
      name: "a rollback is told once however many passes it lasts, its recovery once",
      steps: [ok, rolledBack, rolledBack, rolledBack, fixed, fixed],
      told: [[], ["ServiceRolledBack"], [], [], ["ServiceRecovered", "Applied"], []],
    },
    {
      name: "a flapping service: one event per change of its state",
      steps: [ok, rolledBack, ok, rolledBack, ok],
      told: [[], ["ServiceRolledBack"], ["ServiceRecovered"], ["ServiceRolledBack"], ["ServiceRecovered"]],
    },
    {
      name: "a service in between (OutOfSync, Starting) changes nothing",
      steps: [
        status({ services: [svc("web", "Failed")] }),
        status({ services: [svc("web", "OutOfSync", "Starting")] }),
        status({ services: [svc("web", "Failed")] }),
        status({ services: [svc("web", "Synced", "Starting")] }),
        ok,
      ],
      told: [["ServiceFailed"], [], [], [], ["ServiceRecovered"]],
    },
    {
      name: "unhealthy is Degraded; then failing is another state",
      steps: [
        ok,
        status({ services: [svc("web", "Synced", "Unhealthy")] }),
        status({ services: [svc("web", "Failed")] }),
      ],
      told: [[], ["ServiceDegraded"], ["ServiceFailed"]],
    },
    {
      name: "a stall is told once per revision, and its clearing once",
      steps: [
        ok,
        status({
          phase: "Stalled",
          stalled: { revision: rev(2), reason: "invalid", issues: ["fleet.yaml:3:5: x"] },
        }),
        status({ phase: "Stalled", stalled: { revision: rev(2), reason: "invalid", issues: [] } }),
        status({ phase: "Stalled", stalled: { revision: rev(4), reason: "invalid", issues: [] } }),
        status({ lastAppliedRevision: rev(5) }),
      ],
      // RolloutFailed goes to forge commit-status targets only (Notifier).
      told: [[], ["Stalled", "RolloutFailed"], [], ["Stalled", "RolloutFailed"], ["StallCleared", "Applied"]],
    },
    {
      name: "passes failing: told once past the threshold, and when they succeed again",
      steps: [
        ok,
        status({ phase: "Failing" }),
        status({ phase: "Failing" }),
        status({ phase: "Failing" }),
        status({ phase: "Failing" }),
        status({ phase: "Failing" }),
        status({ phase: "Failing" }),
        status({ phase: "Failing" }),
        ok,
      ],
      // One minute apart: failing since step 1, five minutes reached at step 6.
      told: [[], [], [], [], [], [], ["FetchFailing"], [], ["FetchRecovered"]],
    },
    {
      name: "a short outage is not told at all",
      steps: [ok, status({ phase: "Failing" }), ok],
      told: [[], [], []],
    },
    {
      name: "on_applied false: a new revision is not told",
      steps: [ok, status({ lastAppliedRevision: rev(2) })],
      told: [[], []],
    },
  ]
  for (const row of table)
    it(row.name, () => {
      const options = row.name.startsWith("on_applied")
        ? { ...defaultNoticeOptions, onApplied: false }
        : defaultNoticeOptions
      expect(run(row.steps, options)).toEqual(row.told)
    })

  it("projects: each fleet is its own", () => {
    const project = (fleet: string, s: ServiceStatus) => ({
      dir: fleet,
      file: `${fleet}/compose.yaml`,
      fleet,
      phase: "Synced" as const,
      services: [s],
    })
    const both = (a: ServiceStatus, b: ServiceStatus) =>
      status({ fleet: undefined, services: [], projects: [project("a", a), project("b", b)] })
    let memory = emptyNoticeMemory
    const steps = [
      both(svc("web", "Synced"), svc("web", "Synced")),
      both(svc("web", "RolledBack"), svc("web", "Synced")),
      both(svc("web", "RolledBack"), svc("web", "Failed")),
    ]
    const told = steps.map((s) => {
      const next = stateChanges("main", memory, s, 0)
      memory = next.memory
      return next.events.map((e) => `${e.fleet}/${e.service}:${e.kind}`)
    })
    expect(told).toEqual([[], ["a/web:ServiceRolledBack"], ["b/web:ServiceFailed"]])
  })

  it("the message names the service, fleet and revision, with the reason as detail", () => {
    const first = stateChanges("main", emptyNoticeMemory, ok, 0)
    const next = stateChanges("main", first.memory, { ...rolledBack, lastAttemptedRevision: rev(2) }, 1000)
    expect(next.events).toEqual([
      {
        kind: "ServiceRolledBack",
        severity: "error",
        source: "main",
        fleet: "shop",
        service: "web",
        revision: rev(2),
        title: `web was rolled back (fleet shop, revision ${rev(2).slice(0, 12)})`,
        detail: "health gate failed: exited 1",
        at: new Date(1000).toISOString(),
        key: `main/shop/web/ServiceRolledBack/${rev(2)}`,
      },
    ])
  })

  it("Applied lists what the pass changed", () => {
    const first = stateChanges("main", emptyNoticeMemory, ok, 0)
    const next = stateChanges("main", first.memory, fixed, 0)
    expect(next.events[0]).toMatchObject({ kind: "Applied", detail: "web: replaced (image changed)" })
  })
})

describe("stateChanges: rollouts, for forge commit statuses", () => {
  const applied = status({ lastAppliedRevision: rev(1), lastAttemptedRevision: rev(1) })
  const rolling = (n: number, base = applied) => ({
    ...base,
    phase: "Reconciling" as const,
    rollingOut: rev(n),
  })
  const converged = (n: number) => status({ lastAppliedRevision: rev(n), lastAttemptedRevision: rev(n) })
  const failed = (n: number) =>
    status({ phase: "Degraded", lastAttemptedRevision: rev(n), services: [svc("web", "RolledBack")] })
  const only = (kinds: ReadonlyArray<ReadonlyArray<NotifyKind>>) =>
    kinds.map((k) => k.filter((kind) => kind.startsWith("Rollout")))

  it("a new revision is pending while it rolls out, then succeeds once it converged", () => {
    expect(only(run([applied, rolling(2), converged(2), rolling(2, converged(2)), converged(2)]))).toEqual([
      [],
      ["RolloutStarted"],
      ["RolloutSucceeded"],
      [],
      [],
    ])
  })

  it("a revision whose first creations are Progressing is applied; a later health failure turns it to failure", () => {
    const progressing = (n: number) =>
      status({ phase: "Progressing", lastAppliedRevision: rev(n), lastAttemptedRevision: rev(n) })
    const unhealthy = (n: number) =>
      status({ phase: "Degraded", lastAppliedRevision: rev(n), lastAttemptedRevision: rev(n) })
    expect(only(run([applied, rolling(2), progressing(2), converged(2)]))).toEqual([
      [],
      ["RolloutStarted"],
      ["RolloutSucceeded"],
      [],
    ])
    expect(only(run([applied, rolling(2), progressing(2), unhealthy(2)]))).toEqual([
      [],
      ["RolloutStarted"],
      ["RolloutSucceeded"],
      ["RolloutFailed"],
    ])
  })

  it("a rolled-back revision fails once, however many passes retry it; converging later succeeds", () => {
    expect(
      only(
        run([
          applied,
          rolling(2),
          failed(2),
          rolling(2, failed(2)),
          failed(2),
          rolling(2, failed(2)),
          converged(2),
        ]),
      ),
    ).toEqual([[], ["RolloutStarted"], ["RolloutFailed"], [], [], [], ["RolloutSucceeded"]])
  })

  it("a pass that cannot finish (engine down) leaves it pending; a stalled revision fails at once", () => {
    const down = status({ phase: "Failing", lastAttemptedRevision: rev(2) })
    const stalled = status({
      phase: "Stalled",
      lastAttemptedRevision: rev(3),
      stalled: { revision: rev(3), reason: "fleet.yaml is invalid", issues: [] },
    })
    expect(only(run([applied, rolling(2), down, rolling(2, down), converged(2), stalled, stalled]))).toEqual([
      [],
      ["RolloutStarted"],
      [],
      [],
      ["RolloutSucceeded"],
      ["RolloutFailed"],
      [],
    ])
  })

  it("the failure says which services failed and names the source's revision", () => {
    let memory: NoticeMemory = emptyNoticeMemory
    memory = stateChanges("main", memory, rolling(2), 0).memory
    const [event] = stateChanges("main", memory, failed(2), 1).events.filter(
      (e) => e.kind === "RolloutFailed",
    )
    expect(event).toMatchObject({
      severity: "error",
      source: "main",
      revision: rev(2),
      title: `revision ${rev(2).slice(0, 12)} failed to roll out (fleet shop)`,
      detail: "web: rolled back",
    })
  })
})
