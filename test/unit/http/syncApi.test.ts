import { Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { checkBearer } from "../../../src/http/bearerToken.ts"
import { defaultSyncWaitMs, parseSyncQuery } from "../../../src/http/syncQuery.ts"

const token = Redacted.make("s3cret-token")

describe("the sync API's bearer token", () => {
  it("accepts the configured token, case-insensitive scheme", () => {
    expect(checkBearer("Bearer s3cret-token", token)).toBe("ok")
    expect(checkBearer("bearer s3cret-token", token)).toBe("ok")
  })

  it("tells a missing token from a wrong one", () => {
    expect(checkBearer(undefined, token)).toBe("missing")
    expect(checkBearer("", token)).toBe("missing")
    expect(checkBearer("Basic czNjcmV0", token)).toBe("missing")
    expect(checkBearer("Bearer", token)).toBe("missing")
    expect(checkBearer("Bearer s3cret-toke", token)).toBe("wrong")
    expect(checkBearer("Bearer s3cret-token-and-more", token)).toBe("wrong")
    expect(checkBearer("Bearer s3cret-token extra", token)).toBe("missing")
  })
})

describe("the sync API's query", () => {
  const q = (text: string) => parseSyncQuery(new URLSearchParams(text))

  it("does not wait unless asked, and waits 5 minutes by default", () => {
    expect(q("")).toEqual({ wait: false, timeoutMs: defaultSyncWaitMs })
    expect(q("wait=true")).toEqual({ wait: true, timeoutMs: 300_000 })
    expect(q("wait")).toEqual({ wait: true, timeoutMs: 300_000 })
    expect(q("wait=false")).toEqual({ wait: false, timeoutMs: 300_000 })
  })

  it("takes a timeout from 1s to 30m", () => {
    expect(q("wait=true&timeout=90s")).toEqual({ wait: true, timeoutMs: 90_000 })
    expect(q("wait=true&timeout=500ms")).toBe("timeout must be from 1s to 30m")
    expect(q("wait=true&timeout=2h")).toBe("timeout must be from 1s to 30m")
    expect(q("wait=true&timeout=soon")).toMatch(/^timeout: expected a duration/)
    expect(q("wait=yes")).toBe('wait must be true or false, not "yes"')
  })
})
