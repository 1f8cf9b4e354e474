import { describe, expect, it } from "vitest"
import { containerLabels } from "../../src/domain/containerLabels.ts"
import { specHash } from "../../src/domain/specHash.ts"
import { parsePullPolicy } from "../../src/manifest/compose/pullPolicy.ts"
import { plan } from "../../src/planner/plan.ts"
import { desired, running, service } from "../support/fixtures.ts"

const tag = "127.0.0.1:5000/fleetd/app:stable"
const oldDigest = `sha256:${"1".repeat(64)}`
const newDigest = `sha256:${"2".repeat(64)}`
const tracked = service("web", { image: tag }, { track: "digest" })

/** The engine's image list: v1 under the tag and its digest, v2 (when pulled) under its digest. */
const imagesWith = (pulledV2: boolean) => [
  { id: "sha256:v1", refs: [tag, `127.0.0.1:5000/fleetd/app@${oldDigest}`] },
  ...(pulledV2 ? [{ id: "sha256:v2", refs: [`127.0.0.1:5000/fleetd/app@${newDigest}`] }] : []),
]

/** The web container as fleetd created it from `name@oldDigest` (image v1). */
const runningV1 = () => {
  const created = { ...tracked, spec: { ...tracked.spec, image: `127.0.0.1:5000/fleetd/app@${oldDigest}` } }
  return {
    ...running(created),
    imageId: "sha256:v1",
    labels: containerLabels("t", created, specHash(tracked.configHash, "sha256:v1"), "sha256:v1", "rev1"),
  }
}

const tags = (actions: ReadonlyArray<{ _tag: string }>) => actions.map((a) => a._tag)

describe("pull_policy", () => {
  it("reads Compose's values, periods included", () => {
    expect(parsePullPolicy("if_not_present")).toEqual({ policy: "missing" })
    expect(parsePullPolicy("daily")).toEqual({ policy: "periodic", periodMs: 86_400_000 })
    expect(parsePullPolicy("weekly")).toEqual({ policy: "periodic", periodMs: 604_800_000 })
    expect(parsePullPolicy("every_12h")).toEqual({ policy: "periodic", periodMs: 43_200_000 })
    expect(parsePullPolicy("every_1m30s")).toEqual({ policy: "periodic", periodMs: 90_000 })
  })

  it("reads build, and refuses sub-second periods and unknown values with a message", () => {
    expect(parsePullPolicy("build")).toEqual({ policy: "build" })
    expect(parsePullPolicy("every_500ms")).toMatch(/at least 1s/)
    expect(parsePullPolicy("every_")).toMatch(/not a pull period/)
    expect(parsePullPolicy("hourly")).toMatch(/not a pull policy/)
  })

  it("pulls a periodic image only when its period is due, and a missing one always", () => {
    const svc = service("web", {}, { pullPolicy: "periodic", pullPeriodMs: 1000 })
    const observed = {
      containers: [running(svc)],
      images: [{ id: "sha256:aaaa", refs: ["fleetd-test/app:v1"] }],
    }
    expect(tags(plan(desired([svc]), observed).actions)).toEqual(["Unchanged"])
    const due = plan(desired([svc]), observed, { images: { pullDue: new Set(["fleetd-test/app:v1"]) } })
    expect(due.actions[0]).toMatchObject({
      _tag: "PullImage",
      image: "fleetd-test/app:v1",
      reason: "scheduled",
    })
    const missing = plan(desired([svc]), { containers: [], images: [] })
    expect(missing.actions[0]).toMatchObject({ _tag: "PullImage", reason: "missing" })
  })
})

describe("digest tracking in the planner", () => {
  it("leaves a service alone while its tag still has the digest it runs", () => {
    const p = plan(
      desired([tracked]),
      { containers: [runningV1()], images: imagesWith(false) },
      {
        images: { digests: new Map([[tag, oldDigest]]) },
      },
    )
    expect(tags(p.actions)).toEqual(["Unchanged"])
  })

  it("pulls name@digest for a new digest, then replaces the service with it", () => {
    const options = { images: { digests: new Map([[tag, newDigest]]) } }
    const before = plan(desired([tracked]), { containers: [runningV1()], images: imagesWith(false) }, options)
    expect(before.actions[0]).toMatchObject({
      _tag: "PullImage",
      image: `127.0.0.1:5000/fleetd/app@${newDigest}`,
      reason: "digest",
    })
    const after = plan(desired([tracked]), { containers: [runningV1()], images: imagesWith(true) }, options)
    expect(after.actions).toHaveLength(1)
    expect(after.actions[0]).toMatchObject({ _tag: "Replace", reason: "image changed", imageId: "sha256:v2" })
    // The container is created from the digest, not the tag (which may still name v1 here).
    const replace = after.actions[0]
    expect(replace?._tag === "Replace" && replace.service.spec.image).toBe(
      `127.0.0.1:5000/fleetd/app@${newDigest}`,
    )
  })

  it("plans nothing new when the digest could not be resolved, even if the local tag moved", () => {
    const images = [
      { id: "sha256:v2", refs: [tag] },
      { id: "sha256:v1", refs: [`127.0.0.1:5000/fleetd/app@${oldDigest}`] },
    ]
    const p = plan(
      desired([tracked]),
      { containers: [runningV1()], images },
      { images: { digests: new Map() } },
    )
    expect(tags(p.actions)).toEqual(["Unchanged"])
  })

  it("never re-resolves an image pinned by digest: it is not tracked", () => {
    const pinned = service("web", { image: `127.0.0.1:5000/fleetd/app@${oldDigest}` })
    expect(pinned.track).toBeUndefined()
    const p = plan(desired([pinned]), { containers: [], images: [] })
    expect(p.actions[0]).toMatchObject({ _tag: "PullImage", image: `127.0.0.1:5000/fleetd/app@${oldDigest}` })
  })
})
