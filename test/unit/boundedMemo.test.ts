import { describe, expect, it } from "vitest"
import { boundedMemo } from "../../src/domain/boundedMemo.ts"
import { sha256Hex, specHash } from "../../src/domain/specHash.ts"

describe("boundedMemo", () => {
  it("answers a repeated input from memory and a new one by calling the function", () => {
    const calls: Array<string> = []
    const upper = boundedMemo((s) => {
      calls.push(s)
      return s.toUpperCase()
    }, 10)
    expect([upper("a"), upper("b"), upper("a"), upper("b")]).toEqual(["A", "B", "A", "B"])
    expect(calls).toEqual(["a", "b"])
  })

  it("holds at most `limit` inputs, and still answers correctly once it has started over", () => {
    const calls: Array<string> = []
    const twice = boundedMemo((s) => {
      calls.push(s)
      return s + s
    }, 3)
    for (const s of ["a", "b", "c", "d", "a", "d"]) expect(twice(s)).toBe(s + s)
    // a, b, c fill it; d starts it over (d remembered); a is computed again; d is still known.
    expect(calls).toEqual(["a", "b", "c", "d", "a"])
  })

  it("leaves specHash what it was: the config hash and image id, hashed together", () => {
    // The label of every existing container depends on this staying exactly the same.
    for (let i = 0; i < 3; i++) {
      expect(specHash("cfg", "sha256:img")).toBe(sha256Hex("cfg\nsha256:img"))
      expect(specHash("cfg", undefined)).toBe(sha256Hex("cfg\n"))
      expect(specHash("cfg", "sha256:other")).not.toBe(specHash("cfg", "sha256:img"))
    }
  })
})
