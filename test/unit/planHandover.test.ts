import { describe, expect, it } from "vitest"
import type { Action } from "../../src/domain/Action.ts"
import { HandoverLabels } from "../../src/domain/handover.ts"
import { Labels } from "../../src/domain/labels.ts"
import type { ObservedContainer } from "../../src/domain/ObservedState.ts"
import { specHash } from "../../src/domain/specHash.ts"
import { plan } from "../../src/planner/plan.ts"
import { desired, imageIds, images, running, service } from "../support/fixtures.ts"

const tags = (actions: ReadonlyArray<Action>) =>
  actions
    .filter((a) => a._tag !== "PullImage")
    .map((a) => `${a._tag} ${"containerName" in a ? a.containerName : ""}`.trim())

const v1 = service("fleetd", { restart: "unless-stopped" }, { self: true })
const v2 = service("fleetd", { image: "fleetd-test/app:v2", restart: "unless-stopped" }, { self: true })
const hashV2 = specHash(v2.configHash, imageIds["fleetd-test/app:v2"])
const web = service("web")

/** A handover helper of `svc` for the spec `of`, as the engine lists it. */
const helper = (name: string, role: "standby", state = "running", of = v2): ObservedContainer => ({
  ...running(of, { id: `id-${name}`, name, state }),
  labels: { ...running(of).labels, [HandoverLabels.role]: role },
})

const planOf = (services = [v2, web], containers: ReadonlyArray<ObservedContainer>, selfId?: string) =>
  plan(desired(services), { containers, images }, selfId === undefined ? {} : { selfContainerId: selfId })
    .actions

describe("planning the service that runs fleetd", () => {
  it("hands over instead of replacing when its spec changes; other services plan as usual", () => {
    const actions = planOf([v2, web], [running(v1), running(web)])
    const handover = actions.find((a) => a._tag === "Handover")
    expect(handover).toMatchObject({ _tag: "Handover", specHash: hashV2, reason: "spec changed" })
    expect(handover?._tag === "Handover" && handover.old.id).toBe("id-t-fleetd")
    expect(actions.some((a) => a._tag === "Replace")).toBe(false)
    expect(tags(actions)).toContain("Unchanged t-web")
  })

  it("recognises fleetd's own container without the mark", () => {
    const { self: _v2, ...unmarked } = v2
    const { self: _v1, ...before } = v1
    const own = running(before, { id: "0123456789abcdef0123" })
    expect(planOf([unmarked], [own], "0123456789ab").map((a) => a._tag)).toContain("Handover")
    expect(planOf([unmarked], [own], "fedcba987654").map((a) => a._tag)).toContain("Replace")
  })

  it("creates it like any service when it does not run yet (bootstrap)", () => {
    expect(tags(planOf([v2], []))).toEqual(["Create"])
  })

  it("leaves it alone while a standby supervises a committed handover (old one renamed --prev)", () => {
    const prev = running(v1, { id: "id-prev", name: "t-fleetd--prev", state: "exited" })
    const next = running(v2, { id: "id-next", name: "t-fleetd--next", state: "created" })
    const standby = helper("t-fleetd--standby", "standby")
    expect(tags(planOf([v2], [prev, next, standby]))).toEqual(["HandoverPending t-fleetd--standby"])
    // The new fleetd's first pass: it holds the name, the standby still waits for it to be ready.
    expect(tags(planOf([v2], [running(v2), prev, standby]))).toEqual(["HandoverPending t-fleetd--standby"])
  })

  it("removes a standby that never committed (the old fleetd restarted) and hands over again", () => {
    const standby = helper("t-fleetd--standby", "standby")
    const next = running(v2, { id: "id-next", name: "t-fleetd--next", state: "created" })
    expect(tags(planOf([v2], [running(v1), standby, next]))).toEqual([
      "Remove t-fleetd--next",
      "Remove t-fleetd--standby",
      "Handover",
    ])
  })

  it("removes the standby left after a handover that finished", () => {
    const standby = helper("t-fleetd--standby", "standby")
    expect(tags(planOf([v2], [running(v2), standby]))).toEqual([
      "Remove t-fleetd--standby",
      "Unchanged t-fleetd",
    ])
  })

  it("reports a rolled-back handover from its standby and does not try that spec again in the same pass", () => {
    const failed = helper("t-fleetd--rolledback", "standby", "exited")
    const actions = planOf([v2], [running(v1), failed])
    expect(tags(actions)).toEqual(["HandoverFailed t-fleetd--rolledback"])
    expect(actions[actions.length - 1]).toMatchObject({ specHash: hashV2 })
  })

  it("holds a spec whose handover rolled back, as any rolled-back spec", () => {
    const actions = plan(
      desired([v2]),
      { containers: [running(v1)], images },
      {
        held: new Map([["fleetd", { specHash: hashV2, revision: "rev2" }]]),
      },
    ).actions
    expect(tags(actions)).toEqual(["Held t-fleetd"])
  })

  it("never treats a helper as the service's container, nor as an orphan of another fleet's plan", () => {
    const standby = helper("t-fleetd--standby", "standby")
    const actions = planOf([v2, web], [running(v2), running(web), standby])
    expect(
      actions.filter((a) => a._tag === "Remove").map((a) => (a._tag === "Remove" ? a.reason : "")),
    ).toEqual(["leftover"])
    expect(standby.labels[Labels.service]).toBe("fleetd")
  })
})
