import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { formatManifestIssue } from "../../../src/manifest/ManifestError.ts"
import { operatorJsonSchemaText } from "../../../src/manifest/operatorJsonSchema.ts"
import { policyFromText } from "../../../src/policy/loadPolicy.ts"
import { Policy } from "../../../src/policy/Policy.ts"

const issues = (text: string) => {
  const result = policyFromText(text)
  return Array.isArray(result) ? result.map((i) => formatManifestIssue("policy.yaml", i)) : result
}

describe("the policy file", () => {
  it("decodes every key", () => {
    expect(
      issues(`allow:
  privileged: true
  host_namespaces: [pid, ipc, uts, userns]
  network_mode_host: true
  cap_add: [NET_ADMIN]
  devices: [/dev/fuse]
  bind_mounts: [/srv/media]
  engine_socket: false
  security_opt: [seccomp=unconfined]
  sysctls: [net.ipv4.ip_forward]
`),
    ).toMatchObject({ allow: { privileged: true, bind_mounts: ["/srv/media"] } })
  })

  it("is empty (default deny) when the file holds only comments", () => {
    expect(issues("# nothing allowed\n")).toEqual({})
  })

  it("reports unknown keys, wrong types and bad paths with their positions", () => {
    expect(
      issues(`allow:
  bind_mount: [/srv]
  privileged: yes
  host_namespaces: [net]
  bind_mounts: [srv, /a/../b]
extra: 1
`),
    ).toEqual([
      'policy.yaml:2:3: allow.bind_mount: unknown policy key "bind_mount" (allow: takes privileged, host_namespaces, network_mode_host, cap_add, devices, bind_mounts, engine_socket, security_opt, sysctls, runtimes, device_requests, cgroup_parent, device_cgroup_rules)',
      "policy.yaml:3:15: allow.privileged: expected boolean",
      'policy.yaml:4:21: allow.host_namespaces[0]: expected "pid" | "ipc" | "uts" | "userns" | "cgroup"',
      'policy.yaml:5:17: allow.bind_mounts[0]: "srv" must be an absolute host path without ".." (e.g. /srv/media)',
      'policy.yaml:5:22: allow.bind_mounts[1]: "/a/../b" must be an absolute host path without ".." (e.g. /srv/media)',
      'policy.yaml:6:1: extra: unknown policy key "extra" (the policy has one top-level key, allow:)',
    ])
  })

  it("has a checked-in schemas/policy.schema.json that matches the Schema (run npm run schema)", () => {
    expect(readFileSync(new URL("../../../schemas/policy.schema.json", import.meta.url), "utf8")).toBe(
      operatorJsonSchemaText(Policy, "policy.schema.json"),
    )
  })
})
