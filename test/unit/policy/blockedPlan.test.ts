import { describe, expect, it } from "vitest"
import type { DesiredService } from "../../../src/domain/DesiredState.ts"
import { Labels } from "../../../src/domain/labels.ts"
import type { ObservedContainer } from "../../../src/domain/ObservedState.ts"
import { plan } from "../../../src/planner/plan.ts"
import { applyPolicy } from "../../../src/policy/applyPolicy.ts"
import { desired, load } from "../manifest/support.ts"

const state = (web: string) =>
  applyPolicy(desired(load(`services:\n  web:\n    image: busybox\n${web}\n  db:\n    image: busybox\n`)), {})
    .desired

const running = (service: DesiredService, configHash = "older"): ObservedContainer =>
  ({
    id: `id-${service.name}`,
    name: service.containerName,
    state: "running",
    imageId: "sha256:busybox",
    labels: {
      [Labels.fleet]: "demo",
      [Labels.service]: service.name,
      [Labels.configHash]: configHash,
    },
    networks: [],
    volumes: [],
  }) as unknown as ObservedContainer

const images = [{ id: "sha256:busybox", refs: ["busybox:latest"] }]

const tags = (d: ReturnType<typeof state>, containers: ReadonlyArray<ObservedContainer>) =>
  plan(d, { containers, images } as Parameters<typeof plan>[1]).actions.map(
    (a) =>
      `${a._tag}${"service" in a ? ` ${typeof a.service === "string" ? a.service : a.service.name}` : ""}`,
  )

describe("a service the operator policy blocks", () => {
  it("is neither created nor pulled for, and the rest of the fleet is", () => {
    const d = state("    privileged: true")
    expect(tags(d, [])).toEqual(["CreateNetwork", "Create db", "Blocked web"])
  })

  it("keeps its running container: neither replaced (its spec changed) nor removed as an orphan", () => {
    const d = state("    cap_add: [SYS_ADMIN]")
    const web = d.services.find((s) => s.name === "web")!
    const db = d.services.find((s) => s.name === "db")!
    const actions = tags(d, [running(web, "from-an-allowed-revision"), running(db, db.configHash)])
    expect(actions).toContain("Blocked web")
    expect(actions.filter((a) => a.endsWith(" web"))).toEqual(["Blocked web"])
  })

  it("carries the policy message as the reason", () => {
    const d = state("    pid: host")
    const blocked = plan(d, { containers: [], images } as Parameters<typeof plan>[1]).actions.find(
      (a) => a._tag === "Blocked",
    )
    expect(blocked).toMatchObject({
      service: "web",
      reason: expect.stringContaining("allow.host_namespaces: [pid]"),
    })
  })
})
