import { describe, expect, it } from "vitest"
import { parseCliArgs } from "../../../src/cli/parseCliArgs.ts"
import { renderSync } from "../../../src/cli/renderSync.ts"

describe("fleetd sync", () => {
  it("parses --wait, --timeout, --json and --url", () => {
    expect(parseCliArgs(["sync"])).toEqual({
      _tag: "Sync",
      args: { url: "http://127.0.0.1:8080", wait: false, json: false, timeout: undefined },
    })
    expect(parseCliArgs(["sync", "--wait", "--timeout", "2m", "--json", "--url", "http://h:9"])).toEqual({
      _tag: "Sync",
      args: { url: "http://h:9", wait: true, json: true, timeout: "2m" },
    })
  })

  it("takes one source name: fleetd sync SOURCE", () => {
    expect(parseCliArgs(["sync", "shop", "--wait"])).toEqual({
      _tag: "Sync",
      args: { url: "http://127.0.0.1:8080", wait: true, json: false, timeout: undefined, source: "shop" },
    })
  })

  it("refuses a timeout without --wait, a bad timeout, a bad URL and extra arguments", () => {
    expect(parseCliArgs(["sync", "--timeout", "2m"])).toEqual({
      _tag: "UsageError",
      message: "--timeout goes with --wait",
    })
    expect(parseCliArgs(["sync", "--wait", "--timeout", "2h"])).toMatchObject({ _tag: "UsageError" })
    expect(parseCliArgs(["sync", "--url", "ftp://x"])).toMatchObject({ _tag: "UsageError" })
    expect(parseCliArgs(["sync", "shop", "extra"])).toEqual({
      _tag: "UsageError",
      message: 'unexpected argument "extra"',
    })
  })

  it("renders what the pass did: changed services, failures with their reason, a count of the rest", () => {
    const text = renderSync({
      id: 7,
      triggers: ["api"],
      startedAt: "t0",
      durationMs: 1510,
      result: "partial",
      revision: "4f1c2a9e0b1d4f1c2a9e0b1d4f1c2a9e0b1d4f1c",
      changes: [
        {
          service: "web",
          outcome: "replaced",
          reason: "spec changed",
          fromRevision: "9a0b3c4d5e6f9a0b3c4d5e6f9a0b3c4d5e6f9a0b",
          toRevision: "4f1c2a9e0b1d4f1c2a9e0b1d4f1c2a9e0b1d4f1c",
          fromImage: `sha256:3f5e5d0c9b8a${"0".repeat(52)}`,
          toImage: `sha256:a81c2b3d4e5f${"1".repeat(52)}`,
        },
        {
          service: "api",
          outcome: "failed",
          reason: "image not found",
          toRevision: "4f1c2a9e0b1d4f1c2a9e0b1d4f1c2a9e0b1d4f1c",
        },
        { service: "db", outcome: "unchanged" },
      ],
    })
    expect(text).toBe(
      [
        "pass 7: partial at 4f1c2a9e0b1d in 1510 ms (api)",
        "  web: replaced (spec changed) 9a0b3c4d5e6f → 4f1c2a9e0b1d, image sha256:3f5e5d0c9b8a → sha256:a81c2b3d4e5f",
        "  api: failed (image not found) 4f1c2a9e0b1d",
        "  1 unchanged",
      ].join("\n"),
    )
  })
})
