import { describe, expect, it } from "vitest"
import { toCreateBody } from "../../../src/engine/toCreateBody.ts"
import { desired, file, load } from "../manifest/support.ts"

const web = (yaml: string, files = {}) =>
  desired(
    load(`services:\n  web:\n    image: busybox\n${yaml}\n  db:\n    image: busybox\n`, { files }),
  ).services.find((s) => s.name === "web")!

/** Manifest field → normalized spec fields → Engine API HostConfig fields. */
const table: ReadonlyArray<readonly [string, Record<string, unknown>, Record<string, unknown>]> = [
  ["    privileged: true", { privileged: true }, { Privileged: true }],
  ["    privileged: false", {}, {}],
  ["    pid: host", { pidMode: "host" }, { PidMode: "host" }],
  ["    ipc: host", { ipcMode: "host" }, { IpcMode: "host" }],
  ["    uts: host", { utsMode: "host" }, { UTSMode: "host" }],
  ["    userns_mode: host", { usernsMode: "host" }, { UsernsMode: "host" }],
  [
    "    cap_add: [sys_time, CAP_NET_ADMIN]\n    cap_drop: [ALL]",
    { capAdd: ["NET_ADMIN", "SYS_TIME"], capDrop: ["ALL"] },
    { CapAdd: ["NET_ADMIN", "SYS_TIME"], CapDrop: ["ALL"] },
  ],
  [
    "    devices: [/dev/fuse, /dev/sda:/dev/xvda:r, {source: /dev/net/tun, permissions: rw}]",
    {
      devices: [
        { host: "/dev/fuse", container: "/dev/fuse", permissions: "rwm" },
        { host: "/dev/net/tun", container: "/dev/net/tun", permissions: "rw" },
        { host: "/dev/sda", container: "/dev/xvda", permissions: "r" },
      ],
    },
    {
      Devices: [
        { PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse", CgroupPermissions: "rwm" },
        { PathOnHost: "/dev/net/tun", PathInContainer: "/dev/net/tun", CgroupPermissions: "rw" },
        { PathOnHost: "/dev/sda", PathInContainer: "/dev/xvda", CgroupPermissions: "r" },
      ],
    },
  ],
  [
    "    security_opt: [seccomp=unconfined, no-new-privileges]",
    { securityOpt: ["no-new-privileges", "seccomp=unconfined"] },
    { SecurityOpt: ["no-new-privileges", "seccomp=unconfined"] },
  ],
  [
    "    sysctls: {net.ipv4.ip_forward: 1, net.core.somaxconn: '1024'}",
    { sysctls: { "net.core.somaxconn": "1024", "net.ipv4.ip_forward": "1" } },
    { Sysctls: { "net.core.somaxconn": "1024", "net.ipv4.ip_forward": "1" } },
  ],
  [
    "    sysctls: [net.ipv4.ip_forward=1]",
    { sysctls: { "net.ipv4.ip_forward": "1" } },
    { Sysctls: { "net.ipv4.ip_forward": "1" } },
  ],
  [
    '    volumes_from: ["db:ro", "container:other"]',
    {
      volumesFrom: [
        { container: "demo-db", readOnly: true, managed: true },
        { container: "other", readOnly: false, managed: false },
      ],
    },
    { VolumesFrom: ["demo-db:ro", "other"] },
  ],
  [
    "    network_mode: service:db",
    { networkMode: "container:demo-db" },
    { NetworkMode: "container:demo-db" },
  ],
  [
    "    network_mode: container:other",
    { networkMode: "container:other" },
    { NetworkMode: "container:other" },
  ],
]

describe("the fields the operator policy governs", () => {
  it.each(table)("%s", (yaml, spec, hostConfig) => {
    const service = web(yaml)
    expect(service.spec).toMatchObject(spec)
    expect(toCreateBody(service.spec, {}).body.HostConfig).toMatchObject(hostConfig)
  })

  it("adds nothing to specs that do not use them, so their hash is unchanged", () => {
    const service = web("    command: [sleep, '1']")
    for (const key of ["privileged", "pidMode", "capAdd", "devices", "securityOpt", "sysctls", "volumesFrom"])
      expect(service.spec).not.toHaveProperty(key)
    expect(Object.keys(toCreateBody(service.spec, {}).body.HostConfig)).not.toContain("Privileged")
  })

  it("makes services named in volumes_from and network_mode dependencies", () => {
    expect(web("    volumes_from: [db]").dependsOn.map((d) => d.service)).toEqual(["db"])
    expect(web("    network_mode: service:db").dependsOn.map((d) => d.service)).toEqual(["db"])
  })

  it("mounts absolute host paths by their real path, keeping the written one for the policy", () => {
    const service = web("    volumes: ['/srv/media/:/m:ro', /data/link:/l]", {
      "/data/link": file("", "/srv/real"),
    })
    expect(service.spec.mounts).toEqual([
      { type: "bind", source: "/srv/real", target: "/l", readOnly: false, hostPath: "/data/link" },
      { type: "bind", source: "/srv/media", target: "/m", readOnly: true, hostPath: "/srv/media" },
    ])
  })

  it("rejects unknown services in volumes_from and unsupported namespace modes", () => {
    const result = load(
      "services:\n  web:\n    image: busybox\n    volumes_from: [nope]\n    pid: container:x\n",
    )
    expect(result._tag).toBe("error")
  })
})
