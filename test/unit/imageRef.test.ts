import { describe, expect, it } from "vitest"
import { normalizeImageRef, parseImageRef } from "../../src/domain/imageRef.ts"

describe("image references", () => {
  it.each([
    ["busybox", "busybox:latest"],
    ["busybox:1.36", "busybox:1.36"],
    ["docker.io/library/busybox:1.36", "busybox:1.36"],
    ["docker.io/fleetd/app", "fleetd/app:latest"],
    ["localhost/fleetd-test/app:v1", "fleetd-test/app:v1"],
    ["localhost:5000/app:v1", "localhost:5000/app:v1"],
    ["ghcr.io/org/app:v1", "ghcr.io/org/app:v1"],
    [`app@sha256:${"a".repeat(64)}`, `app@sha256:${"a".repeat(64)}`],
  ])("normalizes %s to %s so Docker's and Podman's spellings compare equal", (ref, expected) => {
    expect(normalizeImageRef(ref)).toBe(expected)
  })

  it.each([
    "UPPER/case",
    "Busybox",
    "ghcr.io/Org/app:v1",
    "-app",
    "app:",
    "app:-x",
    "a".repeat(256),
    "app@sha256:123",
    "ex ample",
  ])("rejects %s", (ref) => {
    expect(parseImageRef(ref)).toBeUndefined()
  })
})
