import { describe, expect, it } from "vitest"
import { discoverSocket, parseEndpoint } from "../../../src/engine/discoverSocket.ts"

const existing =
  (...paths: ReadonlyArray<string>) =>
  (p: string) =>
    paths.includes(p)

describe("discoverSocket", () => {
  it("prefers an explicit endpoint over DOCKER_HOST", () => {
    const found = discoverSocket({
      endpoint: "unix:///tmp/x.sock",
      env: { DOCKER_HOST: "unix:///var/run/docker.sock" },
      exists: existing(),
    })
    expect(found).toEqual({
      _tag: "Found",
      endpoint: { kind: "unix", url: "unix:///tmp/x.sock", socketPath: "/tmp/x.sock" },
    })
  })

  it("uses DOCKER_HOST, unix or tcp, even when no socket file exists", () => {
    expect(discoverSocket({ env: { DOCKER_HOST: "unix:///run/d.sock" }, exists: existing() })).toMatchObject({
      _tag: "Found",
      endpoint: { socketPath: "/run/d.sock" },
    })
    expect(discoverSocket({ env: { DOCKER_HOST: "tcp://127.0.0.1:2375" }, exists: existing() })).toEqual({
      _tag: "Found",
      endpoint: { kind: "tcp", url: "tcp://127.0.0.1:2375", host: "127.0.0.1", port: 2375 },
    })
  })

  it("takes the first default socket that exists, Docker before Podman", () => {
    const env = { XDG_RUNTIME_DIR: "/run/user/1000" }
    expect(
      discoverSocket({ env, exists: existing("/run/podman/podman.sock", "/run/user/1000/docker.sock") }),
    ).toMatchObject({
      endpoint: { socketPath: "/run/user/1000/docker.sock" },
    })
    expect(discoverSocket({ env, exists: existing("/run/user/1000/podman/podman.sock") })).toMatchObject({
      endpoint: { socketPath: "/run/user/1000/podman/podman.sock" },
    })
    expect(discoverSocket({ env: {}, exists: existing("/var/run/docker.sock") })).toMatchObject({
      endpoint: { url: "unix:///var/run/docker.sock" },
    })
  })

  it("lists what it tried when nothing exists", () => {
    const found = discoverSocket({ env: { XDG_RUNTIME_DIR: "/run/user/7" }, exists: existing() })
    expect(found).toEqual({
      _tag: "NotFound",
      tried: [
        "DOCKER_HOST (unset)",
        "/var/run/docker.sock",
        "/run/user/7/docker.sock",
        "/run/podman/podman.sock",
        "/run/user/7/podman/podman.sock",
      ],
    })
  })

  it("treats an empty DOCKER_HOST as unset", () => {
    expect(
      discoverSocket({ env: { DOCKER_HOST: "" }, exists: existing("/var/run/docker.sock") }),
    ).toMatchObject({
      _tag: "Found",
    })
  })

  it.each([
    "ssh://me@host",
    "npipe:////./pipe/docker_engine",
    "tcp://host",
    "tcp://host:99999",
    "unix://relative.sock",
    "docker.sock",
  ])("rejects the endpoint %s with a reason", (value) => {
    expect(typeof parseEndpoint(value)).toBe("string")
    expect(discoverSocket({ env: { DOCKER_HOST: value }, exists: existing() })._tag).toBe("Invalid")
  })
})
