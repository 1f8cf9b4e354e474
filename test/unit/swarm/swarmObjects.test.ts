import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import type { FileGrant } from "../../../src/domain/FileGrant.ts"
import { objectReference, swarmObjectName, withObjectIds } from "../../../src/engine/swarm/swarmObjects.ts"
import { toServiceSpec } from "../../../src/engine/swarm/toServiceSpec.ts"
import { planSwarm } from "../../../src/planner/planSwarm.ts"
import { desired, load } from "../manifest/support.ts"

const fileGrant: FileGrant = {
  source: "db_password",
  target: "/run/secrets/db_password",
  from: { type: "file", path: "/repo/pw.txt" },
}
const valueGrant: FileGrant = {
  source: "app_conf",
  target: "/etc/app.conf",
  from: { type: "content", sha256: "x", content: Redacted.make("a=1"), uid: 1000, gid: 1000, mode: 0o440 },
}

describe("Swarm secrets and configs", () => {
  it("are named after their content: <fleet>_<key>_<12 hex>", () => {
    expect(swarmObjectName("shop", "db_password", "0123456789abcdef0123")).toBe(
      "shop_db_password_0123456789ab",
    )
  })

  it("are referenced at their target, with the value's owner and mode (a file: root, 0444)", () => {
    expect(objectReference("secret", fileGrant, "shop_db_password_0123")).toEqual({
      File: { Name: "/run/secrets/db_password", UID: "0", GID: "0", Mode: 0o444 },
      SecretName: "shop_db_password_0123",
    })
    expect(objectReference("config", valueGrant, "shop_app_conf_abcd")).toEqual({
      File: { Name: "/etc/app.conf", UID: "1000", GID: "1000", Mode: 0o440 },
      ConfigName: "shop_app_conf_abcd",
    })
  })

  it("get their ids at apply time only: the spec hash follows the names, never the ids", () => {
    const spec = {
      TaskTemplate: { ContainerSpec: { Secrets: [{ SecretName: "a_1" }], Configs: [{ ConfigName: "b_2" }] } },
    }
    expect(
      withObjectIds(
        spec,
        new Map([
          ["a_1", "id-a"],
          ["b_2", "id-b"],
        ]),
      ).TaskTemplate.ContainerSpec,
    ).toEqual({
      Secrets: [{ SecretName: "a_1", SecretID: "id-a" }],
      Configs: [{ ConfigName: "b_2", ConfigID: "id-b" }],
    })
    const none = { TaskTemplate: { ContainerSpec: { Image: "x" } } }
    expect(withObjectIds(none, new Map())).toBe(none)
  })

  it("move a service to a new spec when the value changes: the name is in the spec hash", () => {
    const d = desired(
      load(
        "services:\n  web:\n    image: busybox\n    secrets: [token]\nsecrets:\n  token: {environment: TOKEN}\n",
        { fleet: "shop", target: "swarm", environment: { TOKEN: "one" } },
      ),
    )
    const web = d.services[0]!
    const one = toServiceSpec(d.fleet, web, new Map([["secret:token", "shop_token_111111111111"]]))
    const two = toServiceSpec(d.fleet, web, new Map([["secret:token", "shop_token_222222222222"]]))
    expect(one.spec.TaskTemplate.ContainerSpec["Secrets"]).toEqual([
      {
        File: { Name: "/run/secrets/token", UID: "0", GID: "0", Mode: 0o444 },
        SecretName: "shop_token_111111111111",
      },
    ])
    expect(one.hash).not.toBe(two.hash)
    const observed = [{ id: "s1", name: "shop_web", version: 4, labels: one.spec.Labels }]
    const plan = planSwarm(d, observed, new Map(), new Map([["secret:token", "shop_token_222222222222"]]))
    expect(plan.map((a) => a._tag)).toEqual(["UpdateService"])
  })
})
