import { Duration } from "effect"
import { describe, expect, it } from "vitest"
import { safeEqual } from "../../../src/triggers/webhooks/constantTime.ts"
import { parseSignature } from "../../../src/triggers/webhooks/hmacSignature.ts"
import { providerNamed } from "../../../src/triggers/webhooks/providers.ts"
import { RecentDeliveries } from "../../../src/triggers/webhooks/RecentDeliveries.ts"
import { trackedRefs } from "../../../src/triggers/webhooks/trackedRefs.ts"

const hex = "ab".repeat(32)

describe("parseSignature", () => {
  it.each([
    [`sha256=${hex}`, "prefixed", "Ok"],
    [`  sha256=${hex} `, "prefixed", "Ok"],
    [hex, "bare", "Ok"],
    [hex, "prefixed", "X-Sig is not of the form sha256=<hex>"],
    [`sha1=${"ab".repeat(20)}`, "prefixed", "X-Sig uses sha1; sha256 is required"],
    [`sha512=${hex}`, "prefixed", "X-Sig uses sha512; sha256 is required"],
    [`=${hex}`, "prefixed", "X-Sig uses an unsupported algorithm; sha256 is required"],
    [`sha256=${hex.slice(1)}`, "prefixed", "X-Sig is not 64 hex digits"],
    [`sha256=${hex}a`, "prefixed", "X-Sig is not 64 hex digits"],
    [`sha256=${hex.slice(2)}g!`, "prefixed", "X-Sig is not 64 hex digits"],
    ["sha256=", "prefixed", "X-Sig is not 64 hex digits"],
    [`sha256=${hex}`, "bare", "X-Sig is not 64 hex digits"],
  ] as const)("%j (%s) → %s", (value, format, expected) => {
    const parsed = parseSignature("X-Sig", value, format)
    expect(parsed._tag === "Ok" ? "Ok" : parsed.reason).toBe(expected)
  })

  it("says which header is missing", () => {
    expect(parseSignature("X-Sig", undefined, "bare")).toEqual({
      _tag: "Invalid",
      reason: "missing X-Sig header",
    })
  })
})

describe("safeEqual", () => {
  it("compares secrets of any lengths without throwing", () => {
    expect(safeEqual("secret", "secret")).toBe(true)
    expect(safeEqual("secret", "secre")).toBe(false)
    expect(safeEqual("", "x".repeat(10_000))).toBe(false)
    expect(safeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true)
  })
})

describe("RecentDeliveries", () => {
  it("remembers ids up to its capacity and forgets the oldest first", () => {
    const recent = new RecentDeliveries(3)
    expect(["a", "b", "c"].map((id) => recent.remember(id))).toEqual([true, true, true])
    expect(recent.remember("a")).toBe(false)
    expect(recent.remember("d")).toBe(true) // evicts b, the least recently seen
    expect(recent.size).toBe(3)
    expect(recent.remember("b")).toBe(true)
    expect(recent.remember("a")).toBe(false)
  })

  it("stays bounded under a flood of ids", () => {
    const recent = new RecentDeliveries(1000)
    for (let i = 0; i < 50_000; i++) recent.remember(`id-${i}`)
    expect(recent.size).toBe(1000)
  })
})

describe("trackedRefs", () => {
  const git = { _tag: "Git", repo: "file:///r", sshKeyFile: undefined, knownHostsFile: undefined } as const
  const timeout = Duration.seconds(30)

  it("follows the branch head", () => {
    expect(trackedRefs({ ...git, branch: "main", ref: undefined, httpsToken: undefined, timeout })).toEqual([
      "refs/heads/main",
    ])
  })

  it("follows a pinned ref as a tag or a branch of that name", () => {
    expect(trackedRefs({ ...git, branch: "main", ref: "v1", httpsToken: undefined, timeout })).toEqual([
      "refs/tags/v1",
      "refs/heads/v1",
    ])
  })

  it("follows no ref in directory mode", () => {
    expect(trackedRefs({ _tag: "Dir", dir: "/srv/fleet" })).toEqual([])
  })
})

describe("providerNamed", () => {
  it.each(["github", "gitlab", "gitea", "bitbucket", "generic"])("knows %s", (name) => {
    expect(providerNamed(name)?.name).toBe(name)
  })

  it.each(["GitHub", "__proto__", "constructor", "toString", "", undefined])("does not know %j", (name) => {
    expect(providerNamed(name)).toBeUndefined()
  })
})
