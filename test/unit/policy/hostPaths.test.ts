import { describe, expect, it } from "vitest"
import { exposesEngineSocket, isUnderPrefix, normalizeHostPath } from "../../../src/policy/hostPaths.ts"

describe("host path prefixes", () => {
  it.each([
    ["/srv/media", "/srv/media", true],
    ["/srv/media/x", "/srv/media", true],
    ["/srv/media/x/y", "/srv/media/", true],
    ["/srv//media/./x", "/srv/media", true],
    ["/srv/mediaevil", "/srv/media", false],
    ["/srv/medi", "/srv/media", false],
    ["/srv", "/srv/media", false],
    ["/srv/media/../etc", "/srv/media", false],
    ["/srv/media/..", "/srv/media", false],
    ["srv/media/x", "/srv/media", false],
    ["/anything", "/", true],
  ])("%s under %s: %s", (path, prefix, expected) => {
    expect(isUnderPrefix(path, prefix)).toBe(expected)
  })

  it("normalizes without ever resolving ..", () => {
    expect(normalizeHostPath("/srv//a/./b/")).toBe("/srv/a/b")
    expect(normalizeHostPath("/")).toBe("/")
    expect(normalizeHostPath("/a/../b")).toBeUndefined()
    expect(normalizeHostPath("a/b")).toBeUndefined()
  })

  it.each([
    ["/var/run/docker.sock", true],
    ["/run/docker.sock", true],
    ["/run/podman/podman.sock", true],
    ["/home/me/.docker/run/docker.sock", true],
    ["/tmp/x-podman.sock", true],
    ["/var/run", true],
    ["/run", true],
    ["/run/podman", true],
    ["/var", true],
    ["/", true],
    ["/srv/data", false],
    ["/run/user", false],
    ["/var/lib/app", false],
  ])("engine socket exposed by %s: %s", (path, expected) => {
    expect(exposesEngineSocket(path)).toBe(expected)
  })
})
