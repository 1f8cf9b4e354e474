import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { findCanaries, makeCanary } from "../support/canaryScan.ts"

/** The e2e canary test is only as good as its scan: each disguise must be found inside other text. */
describe("the canary scan", () => {
  const canary = makeCanary("unit")
  const found = (text: string) => findCanaries("surface", text, { c: canary }).map((f) => f.form)

  it("finds the value raw, URL-encoded, hex and as its SHA-256", () => {
    expect(found(`x=${canary};`)).toContain("raw")
    expect(found(`"${Buffer.from(canary).toString("hex").toUpperCase()}"`)).toContain("hex")
    expect(found(`sum ${createHash("sha256").update(canary).digest("hex")}`)).toContain("sha256")
  })

  it("finds it base64-encoded at any offset inside a longer text", () => {
    for (const prefix of ["", "a", "ab", "abc", "user:"]) {
      const encoded = Buffer.from(`${prefix}${canary}\n`).toString("base64")
      expect(found(`Basic ${encoded}`).some((f) => f.startsWith("base64"))).toBe(true)
      expect(found(encoded.replaceAll("+", "-").replaceAll("/", "_")).length).toBeGreaterThan(0)
    }
  })

  it("finds nothing in text without it", () => {
    expect(found(`${makeCanary("unit")} ${canary.slice(0, -2)}`)).toEqual([])
  })
})
