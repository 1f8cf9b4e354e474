import { describe, expect, it } from "vitest"
import type { ObservedContainer } from "../../src/domain/ObservedState.ts"
import type { ChangeSet, ServiceResult } from "../../src/reconciler/ChangeSet.ts"
import { serviceStatuses } from "../../src/reconciler/serviceStatuses.ts"
import { desired, service } from "../support/fixtures.ts"

const state = desired([service("web")])
const ports = [
  { containerPort: 80, protocol: "tcp", hostIp: "127.0.0.1", hostPort: 8080 },
  { containerPort: 9000, protocol: "tcp" },
]
const running: ObservedContainer = {
  id: "c1",
  name: "t-web",
  labels: {},
  state: "running",
  imageId: "sha256:aaaa",
  networks: [],
  volumes: [],
  ports,
}
// The same image pushed to another repository too: its digest is not this service's.
const images = [
  {
    id: "sha256:aaaa",
    refs: ["127.0.0.1:5000/elsewhere@sha256:e1", "fleetd-test/app:v1", "fleetd-test/app@sha256:d1"],
  },
]
const changes = (result?: ServiceResult): ChangeSet => ({
  fleet: "t",
  revision: "rev2",
  services: result === undefined ? [] : [result],
  resources: [],
})

describe("serviceStatuses", () => {
  it("shows the observed container's image id, repository digest and ports, with no extra engine call", () => {
    const [web] = serviceStatuses(state, [running], changes(), [], "now", images)
    expect(web).toMatchObject({
      container: "t-web",
      imageId: "sha256:aaaa",
      digest: "fleetd-test/app@sha256:d1",
      ports,
    })
  })

  it("keeps the ports of the container that still serves after a rollback", () => {
    const [web] = serviceStatuses(
      state,
      [running],
      changes({ service: "web", outcome: "rolled-back", reason: "health gate failed" }),
      [],
      "now",
      images,
    )
    expect(web).toMatchObject({ sync: "RolledBack", ports, imageId: "sha256:aaaa" })
  })

  it("does not show the replaced container's ports for the new one: the next pass observes them", () => {
    const [web] = serviceStatuses(
      state,
      [running],
      changes({
        service: "web",
        outcome: "replaced",
        container: "t-web",
        image: { from: "sha256:aaaa", to: "sha256:bbbb" },
      }),
      [],
      "now",
      images,
    )
    expect(web).not.toHaveProperty("ports")
    expect(web).not.toHaveProperty("digest")
    expect(web?.imageId).toBe("sha256:bbbb")
  })

  it("shows no digest when the image has none of the service's own repository", () => {
    const foreign = [
      { id: "sha256:aaaa", refs: ["127.0.0.1:5000/elsewhere@sha256:e1", "fleetd-test/app:v1"] },
    ]
    const [web] = serviceStatuses(state, [running], changes(), [], "now", foreign)
    expect(web).not.toHaveProperty("digest")
    expect(web?.imageId).toBe("sha256:aaaa")
  })

  it("has no ports for a stopped container", () => {
    const { ports: _none, ...stopped } = running
    const [web] = serviceStatuses(state, [{ ...stopped, state: "exited" }], changes(), [], "now")
    expect(web).not.toHaveProperty("ports")
  })
})
