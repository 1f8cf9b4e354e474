import { Readable } from "node:stream"
import { describe, expect, it } from "vitest"
import { podmanCheckDue } from "../../../src/engine/podmanHealth.ts"
import { readPullProgress } from "../../../src/engine/readPullProgress.ts"
import { toContainerState, toObservedContainer, toObservedImage } from "../../../src/engine/toObserved.ts"

describe("projections", () => {
  it("projects a listed container: name without slash, network names, named volumes only", () => {
    const observed = toObservedContainer({
      Id: "abc",
      Names: ["/f-web"],
      Labels: { "fleetd.fleet": "f" },
      State: "running",
      ImageID: "sha256:1",
      NetworkSettings: { Networks: { f_front: {}, f_back: {} } },
      Mounts: [{ Type: "volume", Name: "f_data" }, { Type: "bind" }, { Type: "volume", Name: "" }],
    })
    expect(observed).toEqual({
      id: "abc",
      name: "f-web",
      labels: { "fleetd.fleet": "f" },
      state: "running",
      imageId: "sha256:1",
      networks: ["f_back", "f_front"],
      volumes: ["f_data"],
    })
  })

  it("reads a running container's ports from the list as Docker and Podman answer it", () => {
    // Docker 20.10: each binding per address family, and exposed-only ports without a host side.
    const docker = toObservedContainer({
      Id: "d",
      Ports: [
        { IP: "::", PrivatePort: 81, PublicPort: 18772, Type: "udp" },
        { PrivatePort: 9000, Type: "tcp" },
        { IP: "127.0.0.1", PrivatePort: 80, PublicPort: 18771, Type: "tcp" },
        { IP: "0.0.0.0", PrivatePort: 81, PublicPort: 18772, Type: "udp" },
        { IP: "127.0.0.1", PrivatePort: 80, PublicPort: 18771, Type: "tcp" },
      ],
    })
    expect(docker.ports).toEqual([
      { containerPort: 80, protocol: "tcp", hostIp: "127.0.0.1", hostPort: 18771 },
      { containerPort: 81, protocol: "udp", hostIp: "0.0.0.0", hostPort: 18772 },
      { containerPort: 81, protocol: "udp", hostIp: "::", hostPort: 18772 },
      { containerPort: 9000, protocol: "tcp" },
    ])
    // Podman 4.3: no IP for all addresses.
    expect(
      toObservedContainer({ Id: "p", Ports: [{ PrivatePort: 81, PublicPort: 18772, Type: "udp" }] }).ports,
    ).toEqual([{ containerPort: 81, protocol: "udp", hostPort: 18772 }])
    // A stopped container lists none: no field.
    expect(toObservedContainer({ Id: "s", Ports: [] })).not.toHaveProperty("ports")
    expect(toObservedContainer({ Id: "n", Ports: null })).not.toHaveProperty("ports")
  })

  it.each([
    ["Up 3 minutes (healthy)", "healthy"],
    ["Up 2 seconds (health: starting)", "starting"],
    ["Up 1 minute (unhealthy)", "unhealthy"],
    ["Up 1 minute", undefined],
    [undefined, undefined],
  ])("reads health from the list's status text %s", (Status, health) => {
    expect(toObservedContainer({ Id: "x", ...(Status === undefined ? {} : { Status }) }).health).toBe(health)
  })

  it.each([
    ["exited", "Exited (3) 2 seconds ago", "exited", 3],
    ["stopped", "Exited (0) 1 second ago", "exited", 0],
    ["exited", "Exited (137) 1 minute ago", "exited", 137],
    ["exited", "Created", "exited", undefined],
    ["running", "Up 1 minute", "running", undefined],
  ])(
    "reads the exit code of a %s container from %s (Podman's stopped is exited)",
    (State, Status, state, exitCode) => {
      const observed = toObservedContainer({ Id: "x", State, Status })
      expect([observed.state, observed.exitCode]).toEqual([state, exitCode])
    },
  )

  it("survives Podman's nulls", () => {
    expect(
      toObservedContainer({ Id: "x", Names: null, Labels: null, NetworkSettings: null, Mounts: null }),
    ).toMatchObject({
      name: "",
      labels: {},
      networks: [],
      volumes: [],
    })
  })

  it("normalizes image references and skips <none>", () => {
    expect(
      toObservedImage({
        Id: "sha256:2",
        RepoTags: ["docker.io/library/busybox:1.36", "localhost/fleetd-test/app:v1", "<none>:<none>"],
        RepoDigests: ["<none>@<none>", "docker.io/library/busybox@sha256:" + "a".repeat(64)],
      }).refs,
    ).toEqual(["busybox:1.36", `busybox@sha256:${"a".repeat(64)}`, "fleetd-test/app:v1"])
    expect(toObservedImage({ Id: "sha256:3", RepoTags: null }).refs).toEqual([])
  })

  it("reads container state, treating Podman's empty health as none", () => {
    const base = { Id: "i", Name: "/f-web", RestartCount: 2 }
    expect(
      toContainerState({
        ...base,
        State: { Running: true, Status: "running", ExitCode: 0, Health: { Status: "healthy" } },
      }),
    ).toEqual({
      id: "i",
      name: "f-web",
      running: true,
      status: "running",
      exitCode: 0,
      restartCount: 2,
      health: "healthy",
    })
    expect(
      toContainerState({ ...base, State: { Status: "exited", ExitCode: 3, Health: { Status: "" } } }),
    ).not.toHaveProperty("health")
  })

  it("reads the fleet that manages a container from its label, and none from a stranger", () => {
    const base = { Id: "i", Name: "/db", State: { Running: true } }
    expect(toContainerState({ ...base, Config: { Labels: { "fleetd.fleet": "shop" } } }).fleet).toBe("shop")
    expect(toContainerState({ ...base, Config: { Labels: { app: "db" } } })).not.toHaveProperty("fleet")
    expect(toContainerState({ ...base, Config: { Labels: null } })).not.toHaveProperty("fleet")
  })
})

describe("podmanCheckDue", () => {
  const started = Date.parse("2026-01-01T00:00:00Z")
  const container = (interval?: number, test: ReadonlyArray<string> = ["CMD", "true"]) => ({
    Id: "i",
    Name: "/n",
    State: { Running: true, StartedAt: new Date(started).toISOString() },
    Config: { Healthcheck: { Test: test, ...(interval === undefined ? {} : { Interval: interval }) } },
  })

  it("runs a check one interval after the start, then one interval after the last", () => {
    expect(podmanCheckDue(container(1e9), undefined, started + 500)).toBe(false)
    expect(podmanCheckDue(container(1e9), undefined, started + 1000)).toBe(true)
    expect(podmanCheckDue(container(1e9), started + 1000, started + 1500)).toBe(false)
    expect(podmanCheckDue(container(1e9), started + 1000, started + 2000)).toBe(true)
  })

  it("uses Docker's 30 s default interval", () => {
    expect(podmanCheckDue(container(), undefined, started + 29_000)).toBe(false)
    expect(podmanCheckDue(container(), undefined, started + 30_000)).toBe(true)
  })

  it("never runs for stopped containers or ones without a check", () => {
    expect(podmanCheckDue({ ...container(1), State: { Running: false } }, undefined, started + 1e6)).toBe(
      false,
    )
    expect(podmanCheckDue(container(1, ["NONE"]), undefined, started + 1e6)).toBe(false)
    expect(podmanCheckDue({ Id: "i", Name: "/n", State: { Running: true } }, undefined, started + 1e6)).toBe(
      false,
    )
  })
})

describe("readPullProgress", () => {
  const stream = (...chunks: ReadonlyArray<string>) => Readable.from(chunks.map((c) => Buffer.from(c)))

  it("reads to the end and finds no error in a good pull", async () => {
    await expect(
      readPullProgress(stream('{"status":"Pulling"}\n{"stat', 'us":"Done"}\n')),
    ).resolves.toBeUndefined()
  })

  it("returns the error the engine put in the stream, even across chunks and without a final newline", async () => {
    await expect(readPullProgress(stream('{"status":"x"}\n{"error":"manifest ', 'unknown"}'))).resolves.toBe(
      "manifest unknown",
    )
  })

  it("reports an unreadable line instead of throwing", async () => {
    await expect(readPullProgress(stream("not json\n"))).resolves.toContain("unreadable progress line")
  })
})
