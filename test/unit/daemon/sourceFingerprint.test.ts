import { Duration, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import type { ConfiguredSource } from "../../../src/config/loadConfigFile.ts"
import { sourceFingerprint } from "../../../src/daemon/sourceFingerprint.ts"

const configured = (secret: string, interval = 60): ConfiguredSource => ({
  name: "shop",
  webhookRepository: "acme/shop",
  prune: false,
  settings: {
    source: { _tag: "Dir", dir: "/srv/shop" },
    path: "fleet.yaml",
    fleet: undefined,
    interval: Duration.seconds(interval),
    listen: { host: "127.0.0.1", port: 8080 },
    dataDir: "/data/sources/shop",
    engine: undefined,
    allowEmpty: false,
    concurrency: 4,
    webhookSecrets: { github: Redacted.make(secret) },
    webhookMaxBytes: 1024,
    logLevel: "info",
    logFormat: "json",
  },
})

describe("a source's fingerprint (does a reload restart it?)", () => {
  it("leaves out the daemon's notification settings (read at start-up only)", () => {
    const base = configured("one")
    const withNotify = {
      ...base,
      settings: {
        ...base.settings,
        notify: { targets: [], notice: { onApplied: false, failingAfterMs: 1 } },
        publicUrl: "https://x.example/",
      },
    }
    expect(sourceFingerprint(withNotify)).toBe(sourceFingerprint(base))
  })

  it("is equal for equal settings, and changes with a duration or a secret's value", () => {
    expect(sourceFingerprint(configured("one"))).toBe(sourceFingerprint(configured("one")))
    expect(sourceFingerprint(configured("one", 30))).not.toBe(sourceFingerprint(configured("one")))
    expect(sourceFingerprint(configured("two"))).not.toBe(sourceFingerprint(configured("one")))
  })

  it("never holds a secret in the clear", () => {
    expect(sourceFingerprint(configured("do-not-show-me"))).not.toContain("do-not-show-me")
  })
})
