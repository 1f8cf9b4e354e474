import { assert, describe, it } from "@effect/vitest"
import { Labels } from "../../src/domain/labels.ts"
import type { ObservedContainer } from "../../src/domain/ObservedState.ts"
import { orphanedFleets } from "../../src/planner/orphanedFleets.ts"

const container = (name: string, labels: Record<string, string>): ObservedContainer => ({
  id: name,
  name,
  labels,
  state: "running",
  imageId: "sha256:x",
  networks: [],
  volumes: [],
})
const ofProject = (name: string, fleet: string, dir: string, source = "/repo") =>
  container(name, { [Labels.fleet]: fleet, [Labels.project]: dir, [Labels.projectSource]: source })

describe("orphaned projects", () => {
  const managed = [
    ofProject("web-app", "web", "services/web"),
    ofProject("old-a", "old", "services/old"),
    ofProject("old-b", "old", "services/old"),
    ofProject("other-x", "other", "services/x", "/elsewhere"),
    container("single-app", { [Labels.fleet]: "single" }),
    ofProject("broken-x", "broken", "services/broken"),
    ofProject("renamed-x", "before", "services/renamed"),
  ]

  it("are the fleets of this source's project containers whose directory is no longer a project", () => {
    assert.deepStrictEqual(
      orphanedFleets(managed, "/repo", [
        { dir: "services/web", fleet: "web" },
        // Invalid now: its containers are left alone, whatever it is called.
        { dir: "services/broken", fleet: undefined },
        // Still a project but renamed: the old fleet is left behind.
        { dir: "services/renamed", fleet: "after" },
      ]),
      [
        { fleet: "before", dir: "services/renamed", containers: ["renamed-x"] },
        { fleet: "old", dir: "services/old", containers: ["old-a", "old-b"] },
      ],
    )
  })

  it("never include fleets applied with -f or by another source", () => {
    const fleets = orphanedFleets(managed, "/repo", []).map((o) => o.fleet)
    assert.deepStrictEqual(fleets, ["before", "broken", "old", "web"])
  })
})
