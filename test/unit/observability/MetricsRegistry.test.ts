import { Effect } from "effect"
import { describe, expect, it } from "vitest"

import { Metrics } from "../../../src/observability/Metrics.ts"
import { makeMetricsRegistry } from "../../../src/observability/MetricsRegistry.ts"

/** The `fleetd_` lines of the exposition (no HELP/TYPE, no process metrics). */
const fleetdLines = async (registry: ReturnType<typeof makeMetricsRegistry>) =>
  (await Effect.runPromise(registry.render)).body.split("\n").filter((line) => line.startsWith("fleetd_"))

const service = (fleet: string, name: string) =>
  ({ fleet, service: name, sync: "Synced", health: "Healthy" }) as const

describe("MetricsRegistry", () => {
  it("labels every sample a view writes with its source", async () => {
    const registry = makeMetricsRegistry()
    const a = registry.forSource("a")
    await Effect.runPromise(
      Effect.all([
        a.recordPass("success", 0.5, [{ action: "created", outcome: "success" }]),
        a.recordTrigger("webhook:github"),
        a.recordGitFetch(0.1, false),
        a.setServices([service("web", "app")]),
        a.setRevision("abc"),
        a.setLeases([{ fleet: "web", held: true }]),
      ]),
    )
    const lines = await fleetdLines(registry)
    expect(lines).toContain('fleetd_reconcile_total{source="a",result="success"} 1')
    expect(lines).toContain('fleetd_reconcile_duration_seconds_count{source="a"} 1')
    expect(lines).toContain('fleetd_actions_total{source="a",action="created",outcome="success"} 1')
    expect(lines).toContainEqual(
      expect.stringMatching(/^fleetd_last_successful_reconcile_timestamp_seconds\{source="a"\} \d/),
    )
    expect(lines).toContain('fleetd_triggers_total{source="a",trigger="webhook:github"} 1')
    expect(lines).toContain('fleetd_git_fetch_duration_seconds_count{source="a"} 1')
    expect(lines).toContain('fleetd_git_fetch_errors_total{source="a"} 1')
    expect(lines).toContain(
      'fleetd_service_sync_status{source="a",fleet="web",service="app",status="Synced"} 1',
    )
    expect(lines).toContain(
      'fleetd_service_health_status{source="a",fleet="web",service="app",status="Healthy"} 1',
    )
    expect(lines).toContain('fleetd_applied_revision_info{source="a",revision="abc"} 1')
    expect(lines).toContain('fleetd_lease_held{source="a",fleet="web"} 1')
    expect(lines).toContain('fleetd_stalled{source="a"} 0')
    // Every fleetd_ sample but the webhook counter (answered before a source is known) has a source.
    for (const line of lines.filter((l) => !l.startsWith("fleetd_webhook_requests_total")))
      expect(line).toMatch(/[{,]source="a"[,}]/)
  })

  it("keeps the webhook counter unlabelled by source", async () => {
    const registry = makeMetricsRegistry()
    await Effect.runPromise(registry.recordWebhook("github", "accepted"))
    await Effect.runPromise(registry.forSource("a").recordWebhook("github", "accepted"))
    expect(await fleetdLines(registry)).toContain(
      'fleetd_webhook_requests_total{provider="github",outcome="accepted"} 2',
    )
  })

  it("replaces only the writing source's samples", async () => {
    const registry = makeMetricsRegistry()
    const a = registry.forSource("a")
    const b = registry.forSource("b")
    await Effect.runPromise(
      Effect.all([
        a.setServices([service("web", "app"), service("web", "db")]),
        b.setServices([service("api", "app")]),
        a.setRevision("a1"),
        b.setRevision("b1"),
        a.setLeases([{ fleet: "web", held: true }]),
        b.setLeases([{ fleet: "api", held: false }]),
        a.setStalledFleets([{ fleet: "p1", stalled: true }]),
        b.setStalled(true),
      ]),
    )
    // a replaces all of its own: db left its manifest, a new revision, no lease, p1 recovered.
    await Effect.runPromise(
      Effect.all([
        a.setServices([service("web", "app")]),
        a.setRevision("a2"),
        a.setLeases([]),
        a.setStalledFleets([{ fleet: "p1", stalled: false }]),
      ]),
    )
    const lines = await fleetdLines(registry)
    expect(lines.filter((l) => l.includes('service="db"'))).toEqual([])
    expect(lines).toContain(
      'fleetd_service_sync_status{source="a",fleet="web",service="app",status="Synced"} 1',
    )
    expect(lines).toContain(
      'fleetd_service_sync_status{source="b",fleet="api",service="app",status="Synced"} 1',
    )
    expect(lines.filter((l) => l.startsWith("fleetd_applied_revision_info"))).toEqual([
      'fleetd_applied_revision_info{source="b",revision="b1"} 1',
      'fleetd_applied_revision_info{source="a",revision="a2"} 1',
    ])
    expect(lines.filter((l) => l.startsWith("fleetd_lease_held"))).toEqual([
      'fleetd_lease_held{source="b",fleet="api"} 0',
    ])
    expect(lines.filter((l) => l.startsWith("fleetd_stalled")).sort()).toEqual([
      'fleetd_stalled{source="a",fleet="p1"} 0',
      'fleetd_stalled{source="b"} 1',
    ])
  })

  it("starts each source not stalled, and a second view keeps what the first set", async () => {
    const registry = makeMetricsRegistry()
    await Effect.runPromise(registry.forSource("a").setStalledFleets([{ fleet: "p1", stalled: true }]))
    registry.forSource("a")
    registry.forSource("b")
    expect((await fleetdLines(registry)).filter((l) => l.startsWith("fleetd_stalled")).sort()).toEqual([
      'fleetd_stalled{source="a",fleet="p1"} 1',
      'fleetd_stalled{source="b"} 0',
    ])
  })

  it("drops every series of a removed source and keeps the others'", async () => {
    const registry = makeMetricsRegistry()
    const write = (name: string) => {
      const m = registry.forSource(name)
      return Effect.all([
        m.recordPass("success", 0.2, [{ action: "created", outcome: "success" }]),
        m.recordTrigger("poll"),
        m.recordGitFetch(0.1, true),
        m.setServices([service(name, "app")]),
        m.setRevision(`${name}1`),
        m.setLeases([{ fleet: name, held: true }]),
      ])
    }
    await Effect.runPromise(Effect.all([write("a"), write("b")]))
    await Effect.runPromise(registry.removeSource("a"))
    const lines = await fleetdLines(registry)
    expect(lines.filter((l) => l.includes('source="a"'))).toEqual([])
    expect(lines).toContain('fleetd_reconcile_total{source="b",result="success"} 1')
    expect(lines).toContain('fleetd_stalled{source="b"} 0')
    // Its series come back (counters from zero) if the source returns.
    await Effect.runPromise(registry.forSource("a").recordTrigger("startup"))
    expect(await fleetdLines(registry)).toContain('fleetd_triggers_total{source="a",trigger="startup"} 1')
  })

  it("leaves unchanged services' series as they are, and still follows every change", async () => {
    const registry = makeMetricsRegistry()
    const a = registry.forSource("a")
    const health = (lines: ReadonlyArray<string>) =>
      lines.filter((l) => l.startsWith("fleetd_service_health_status{") && l.endsWith(" 1"))
    await Effect.runPromise(a.setServices([service("web", "app"), service("web", "db")]))
    const first = await fleetdLines(registry)
    // The same statuses again (a no-op pass): the same series.
    await Effect.runPromise(a.setServices([service("web", "app"), service("web", "db")]))
    expect(await fleetdLines(registry)).toEqual(first)
    // One service's health changes, one leaves: both show.
    await Effect.runPromise(a.setServices([{ ...service("web", "app"), health: "Unhealthy" }]))
    const changed = await fleetdLines(registry)
    expect(health(changed)).toEqual([
      'fleetd_service_health_status{source="a",fleet="web",service="app",status="Unhealthy"} 1',
    ])
    expect(changed.filter((l) => l.includes('service="db"'))).toEqual([])
    expect(changed.filter((l) => l.startsWith("fleetd_service_health_status{"))).toHaveLength(
      first.filter((l) => l.startsWith("fleetd_service_health_status{")).length / 2,
    )
    // A source removed and back with the statuses it had: its series are written again.
    await Effect.runPromise(registry.removeSource("a"))
    await Effect.runPromise(
      registry.forSource("a").setServices([{ ...service("web", "app"), health: "Unhealthy" }]),
    )
    expect(health(await fleetdLines(registry))).toEqual([
      'fleetd_service_health_status{source="a",fleet="web",service="app",status="Unhealthy"} 1',
    ])
  })

  it("Metrics.layer is one source, default, rendering the whole registry", async () => {
    const body = await Effect.runPromise(
      Effect.gen(function* () {
        const metrics = yield* Metrics
        yield* metrics.recordTrigger("startup")
        return (yield* metrics.render).body
      }).pipe(Effect.provide(Metrics.layer)),
    )
    expect(body).toContain('fleetd_triggers_total{source="default",trigger="startup"} 1')
    expect(body).toContain('fleetd_stalled{source="default"} 0')
  })
})
