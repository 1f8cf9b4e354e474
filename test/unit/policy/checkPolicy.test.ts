import { describe, expect, it } from "vitest"
import { applyPolicy } from "../../../src/policy/applyPolicy.ts"
import { checkPolicy } from "../../../src/policy/checkPolicy.ts"
import type { Policy } from "../../../src/policy/Policy.ts"
import { desired, load } from "../manifest/support.ts"

const fleet = (service: string, extra = "") =>
  desired(load(`services:\n  web:\n    image: busybox\n${service}\n  other:\n    image: busybox\n${extra}`))

const violations = (service: string, policy: Policy = {}, extra = "") =>
  checkPolicy(fleet(service, extra), policy).map(
    (v) => `${v.path.map(String).join(".")} [${v.key ?? "-"}]: ${v.message}`,
  )

/** Each default-deny field, the policy that allows it, and the key named in the message. */
const cases: ReadonlyArray<readonly [string, string, Policy, string]> = [
  ["privileged", "    privileged: true", { allow: { privileged: true } }, "privileged"],
  ["pid: host", "    pid: host", { allow: { host_namespaces: ["pid"] } }, "host_namespaces"],
  ["ipc: host", "    ipc: host", { allow: { host_namespaces: ["ipc"] } }, "host_namespaces"],
  ["uts: host", "    uts: host", { allow: { host_namespaces: ["uts"] } }, "host_namespaces"],
  [
    "userns_mode: host",
    "    userns_mode: host",
    { allow: { host_namespaces: ["userns"] } },
    "host_namespaces",
  ],
  [
    "network_mode: host",
    "    network_mode: host",
    { allow: { network_mode_host: true } },
    "network_mode_host",
  ],
  ["cap_add", "    cap_add: [net_admin]", { allow: { cap_add: ["NET_ADMIN"] } }, "cap_add"],
  ["devices", "    devices: [/dev/fuse]", { allow: { devices: ["/dev/fuse"] } }, "devices"],
  [
    "security_opt",
    '    security_opt: ["seccomp:unconfined"]',
    { allow: { security_opt: ["seccomp=unconfined"] } },
    "security_opt",
  ],
  [
    "apparmor",
    "    security_opt: [apparmor=unconfined]",
    { allow: { security_opt: ["apparmor=unconfined"] } },
    "security_opt",
  ],
  [
    "label",
    "    security_opt: [label:disable]",
    { allow: { security_opt: ["label=disable"] } },
    "security_opt",
  ],
  [
    "sysctls",
    "    sysctls: {net.ipv4.ip_forward: 1}",
    { allow: { sysctls: ["net.ipv4.ip_forward"] } },
    "sysctls",
  ],
  [
    "sysctls list",
    "    sysctls: [net.core.somaxconn=1024]",
    { allow: { sysctls: ["net.core.somaxconn"] } },
    "sysctls",
  ],
  [
    "bind mount",
    "    volumes: [/srv/media/films:/films]",
    { allow: { bind_mounts: ["/srv/media"] } },
    "bind_mounts",
  ],
  [
    "engine socket",
    "    volumes: [/var/run/docker.sock:/s]",
    { allow: { engine_socket: true } },
    "engine_socket",
  ],
]

describe("operator policy", () => {
  it.each(cases)("denies %s by default and allows it when the policy says so", (_, yaml, policy, key) => {
    const denied = checkPolicy(fleet(yaml), {})
    expect(denied).toHaveLength(1)
    expect(denied[0]!.service).toBe("web")
    expect(denied[0]!.key).toBe(key)
    expect(denied[0]!.message).toMatch(/^denied by operator policy: .* is not allowed; allow it with allow\./)
    expect(checkPolicy(fleet(yaml), policy)).toEqual([])
  })

  it("allows a plain service, repository bind mounts and harmless security options with no policy", () => {
    expect(
      violations(
        "    security_opt: [no-new-privileges, no-new-privileges=true]\n    cap_drop: [ALL]\n    ipc: private",
      ),
    ).toEqual([])
  })

  it("names the field where it was written and the key that would allow it", () => {
    expect(violations("    cap_add: [CHOWN, SYS_ADMIN]", { allow: { cap_add: ["chown"] } })).toEqual([
      "services.web.cap_add.1 [cap_add]: denied by operator policy: cap_add SYS_ADMIN is not allowed; allow it with allow.cap_add: [SYS_ADMIN] in the policy file",
    ])
  })

  it("matches bind prefixes by path component and refuses ..", () => {
    const policy: Policy = { allow: { bind_mounts: ["/srv/media"] } }
    expect(violations("    volumes: [/srv/mediaevil:/x]", policy)).toEqual([
      "services.web.volumes.0 [bind_mounts]: denied by operator policy: bind mount of host path /srv/mediaevil is not allowed; allow it with allow.bind_mounts: [/srv/mediaevil] in the policy file",
    ])
    expect(violations("    volumes: [/srv/media/../../etc:/x]", policy)).toEqual([
      'services.web.volumes.0 [-]: denied by operator policy: bind mount source /srv/media/../../etc contains ".."; write the path without it',
    ])
  })

  it("refuses the engine socket and its directories even when / is allowed, unless engine_socket is", () => {
    const all: Policy = { allow: { bind_mounts: ["/"] } }
    for (const source of ["/var/run/docker.sock", "/run/podman/podman.sock", "/var/run", "/run", "/"])
      expect(
        violations(`    volumes: ["${source}:/x"]`, all).map((v) => v.split(" [")[1]?.split("]")[0]),
      ).toEqual(["engine_socket"])
    expect(
      violations('    volumes: ["/run:/x"]', { allow: { bind_mounts: ["/"], engine_socket: true } }),
    ).toEqual([])
    expect(violations('    volumes: ["/srv:/x"]', all)).toEqual([])
  })

  it("refuses containers fleetd does not manage, whatever the policy", () => {
    const everything: Policy = { allow: { network_mode_host: true, privileged: true } }
    expect(violations("    network_mode: container:db", everything)).toHaveLength(1)
    expect(violations('    volumes_from: ["container:db:ro"]', everything)).toHaveLength(1)
    expect(violations("    network_mode: service:other\n    volumes_from: [other]", {})).toEqual([])
  })

  it("treats joining a sibling on the host network as using the host network", () => {
    const result = violations("    network_mode: service:other", {}, "    network_mode: host\n")
    expect(result.map((v) => v.split(" ")[0])).toEqual([
      "services.other.network_mode",
      "services.web.network_mode",
    ])
  })

  it("governs named volumes whose driver options bind a host path", () => {
    const extra = "volumes:\n  data:\n    driver_opts: {type: none, o: bind, device: /etc}\n"
    const yaml = "    volumes: [data:/d]"
    const d = desired(load(`services:\n  web:\n    image: busybox\n${yaml}\n${extra}`))
    const outcome = applyPolicy(d, {})
    expect(outcome.violations.map((v) => [v.service, v.path.join("."), v.key])).toEqual([
      ["web", "volumes.data.driver_opts.device", "bind_mounts"],
    ])
    expect(outcome.desired.volumes).toEqual([])
    expect(outcome.desired.services[0]!.blocked).toContain("/etc")
    expect(applyPolicy(d, { allow: { bind_mounts: ["/etc"] } }).desired.volumes).toHaveLength(1)
  })

  it("blocks only the violating services, keeping them in the desired state", () => {
    const outcome = applyPolicy(fleet("    privileged: true"), {})
    expect(outcome.desired.services.map((s) => [s.name, s.blocked])).toEqual([
      ["other", undefined],
      [
        "web",
        "denied by operator policy: privileged: true is not allowed; allow it with allow.privileged: true in the policy file",
      ],
    ])
  })
})
