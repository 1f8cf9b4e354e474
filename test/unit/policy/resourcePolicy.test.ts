import { describe, expect, it } from "vitest"
import { checkPolicy } from "../../../src/policy/checkPolicy.ts"
import type { Policy } from "../../../src/policy/Policy.ts"
import { desired, load } from "../manifest/support.ts"

const violations = (yaml: string, policy: Policy = {}) =>
  checkPolicy(desired(load(`services:\n  web:\n    image: busybox\n${yaml}\n`)), policy).map(
    (v) => `${v.path.map(String).join(".")} [${v.key ?? "-"}]: ${v.message}`,
  )

/** Fields that reach past the container: denied by default, allowed by their key. */
const cases: ReadonlyArray<readonly [string, Policy, string]> = [
  [
    "    runtime: runc",
    { allow: { runtimes: ["runc"] } },
    "services.web.runtime [runtimes]: denied by operator policy: runtime runc is not allowed; allow it with allow.runtimes: [runc] in the policy file",
  ],
  [
    "    gpus: all",
    { allow: { device_requests: true } },
    "services.web.gpus [device_requests]: denied by operator policy: a device request (GPUs) is not allowed; allow it with allow.device_requests: true in the policy file",
  ],
  [
    "    deploy: {resources: {reservations: {devices: [{driver: nvidia, capabilities: [gpu]}]}}}",
    { allow: { device_requests: true } },
    "services.web.deploy.resources.reservations.devices [device_requests]: denied by operator policy: a device request (GPUs) is not allowed; allow it with allow.device_requests: true in the policy file",
  ],
  [
    "    device_cgroup_rules: ['c  189:* rmw']",
    { allow: { device_cgroup_rules: ["c 189:*   rmw"] } },
    'services.web.device_cgroup_rules.0 [device_cgroup_rules]: denied by operator policy: device cgroup rule "c 189:* rmw" is not allowed; allow it with allow.device_cgroup_rules: ["c 189:* rmw"] in the policy file',
  ],
]

describe("operator policy on runtime and device fields", () => {
  it.each(cases)("denies %s by default and allows it with its key", (yaml, policy, message) => {
    expect(violations(yaml)).toEqual([message])
    expect(violations(yaml, policy)).toEqual([])
  })

  it("allows only the listed runtime and rule", () => {
    expect(violations("    runtime: kata", { allow: { runtimes: ["runc"] } })).toHaveLength(1)
    expect(
      violations("    device_cgroup_rules: ['a *:* rwm']", { allow: { device_cgroup_rules: ["c 1:3 mr"] } }),
    ).toHaveLength(1)
  })

  it("needs nothing for the resource limits", () => {
    expect(
      violations(
        "    ulimits: {nofile: 1024}\n    pids_limit: 10\n    shm_size: 64m\n    oom_score_adj: -100\n    oom_kill_disable: true\n    group_add: [audio]\n    platform: linux/amd64\n    deploy: {resources: {limits: {memory: 1g}}}",
      ),
    ).toEqual([])
  })
})

/** The remaining Compose fields that reach past the container (normalizeOther.ts). */
const otherCases: ReadonlyArray<readonly [string, Policy, string]> = [
  [
    "    cgroup: host",
    { allow: { host_namespaces: ["cgroup"] } },
    "services.web.cgroup [host_namespaces]: denied by operator policy: cgroup: host (the host's cgroup namespace) is not allowed; allow it with allow.host_namespaces: [cgroup] in the policy file",
  ],
  [
    "    cgroup_parent: /fleet.slice",
    { allow: { cgroup_parent: ["/fleet.slice"] } },
    "services.web.cgroup_parent [cgroup_parent]: denied by operator policy: cgroup_parent /fleet.slice is not allowed; allow it with allow.cgroup_parent: [/fleet.slice] in the policy file",
  ],
  [
    "    blkio_config: {device_write_iops: [{path: /dev/sdb, rate: 10}]}",
    { allow: { devices: ["/dev/sdb"] } },
    "services.web.blkio_config.device_write_iops.0.path [devices]: denied by operator policy: blkio_config on device /dev/sdb is not allowed; allow it with allow.devices: [/dev/sdb] in the policy file",
  ],
]

describe("operator policy on cgroup and blkio fields", () => {
  it.each(otherCases)("denies %s by default and allows it with its key", (yaml, policy, message) => {
    expect(violations(yaml)).toEqual([message])
    expect(violations(yaml, policy)).toEqual([])
  })

  it("needs nothing for cgroup: private and a plain blkio weight", () => {
    expect(violations("    cgroup: private\n    blkio_config: {weight: 300}")).toEqual([])
  })
})
