import { Context, Effect, Layer } from "effect"
import { Counter, collectDefaultMetrics, Gauge, Histogram, type LabelValues, Registry } from "prom-client"

import { healthStates, syncStates } from "../domain/statusVocabulary.ts"
import type { Metrics } from "./Metrics.ts"
import { SourceSamples } from "./SourceSamples.ts"

/**
 * fleetd's Prometheus metrics, one registry per process (never prom-client's global
 * one), shared by every source. Each source's loop writes through its own view
 * (`forSource`), which labels every sample with the source's name and replaces or drops
 * only that source's samples. Names and labels are documented in docs/metrics.md; label
 * values are bounded (sources from the config file, fleets and services from the
 * manifests, providers and results from fixed sets).
 */
export class MetricsRegistry extends Context.Service<
  MetricsRegistry,
  {
    /** The text exposition of every metric of every source, with its content type. */
    readonly render: Effect.Effect<{ readonly contentType: string; readonly body: string }>
    /**
     * A webhook request and how it was answered (`accepted`, `ignored`, `unauthorized`, ...).
     * Not per source: the shared `/hooks/<provider>` URL answers before a source is known.
     */
    readonly recordWebhook: (provider: string, outcome: string) => Effect.Effect<void>
    /** The metrics of one source: every sample it writes carries `source: name`. */
    readonly forSource: (name: string) => Metrics["Service"]
    /** Drops every sample of a source (it left the config file): no stale series stay. */
    readonly removeSource: (name: string) => Effect.Effect<void>
  }
>()("fleetd/observability/MetricsRegistry") {
  static readonly layer = Layer.sync(MetricsRegistry, () => makeMetricsRegistry())
}

/** How often the event-loop delay histogram samples, ms. */
const eventLoopSampleMs = 100

/** A registry with every fleetd metric on it, and views per source. */
export const makeMetricsRegistry = (): MetricsRegistry["Service"] => {
  const registry = new Registry()
  // The event-loop delay histogram (nodejs_eventloop_lag_p50_seconds, ...) samples with a
  // timer; prom-client's 10 ms wakes an idle daemon 100 times a second, ≈ 0.3 % of a core
  // on its own (bench/RESULTS.md). 100 ms still catches any stall that long.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: eventLoopSampleMs })
  const registers = [registry]
  const reconcileTotal = new Counter({
    name: "fleetd_reconcile_total",
    help: "Reconcile passes, by source and result.",
    labelNames: ["source", "result"],
    registers,
  })
  const reconcileDuration = new Histogram({
    name: "fleetd_reconcile_duration_seconds",
    help: "Duration of reconcile passes, by source.",
    labelNames: ["source"],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers,
  })
  const actionsTotal = new Counter({
    name: "fleetd_actions_total",
    help: "Engine actions run by passes, by source, action and outcome.",
    labelNames: ["source", "action", "outcome"],
    registers,
  })
  const lastSuccess = new Gauge({
    name: "fleetd_last_successful_reconcile_timestamp_seconds",
    help: "Unix time of the source's last pass that converged every service.",
    labelNames: ["source"],
    registers,
  })
  const revisionInfo = new Gauge({
    name: "fleetd_applied_revision_info",
    help: "The revision the source last applied (value 1, revision in a label).",
    labelNames: ["source", "revision"],
    registers,
  })
  // One sample per source (the current signer): bounded by the sources, not the keys or commits.
  const signerInfo = new Gauge({
    name: "fleetd_revision_signer_info",
    help: "Who signed the revision --verify-commits accepted last (value 1; format, key fingerprint and principal in labels).",
    labelNames: ["source", "format", "fingerprint", "principal"],
    registers,
  })
  const stalledGauge = new Gauge({
    name: "fleetd_stalled",
    help: "1 while the source is stalled on an invalid revision, else 0 (with projects, per fleet).",
    labelNames: ["source", "fleet"],
    registers,
  })
  const leaseHeld = new Gauge({
    name: "fleetd_lease_held",
    help: "1 while this fleetd holds the fleet's lease, 0 while it waits for another fleetd to let go.",
    labelNames: ["source", "fleet"],
    registers,
  })
  const serviceSync = new Gauge({
    name: "fleetd_service_sync_status",
    help: "1 for each service's current sync status, 0 for the others.",
    labelNames: ["source", "fleet", "service", "status"],
    registers,
  })
  const serviceHealth = new Gauge({
    name: "fleetd_service_health_status",
    help: "1 for each service's current health, 0 for the others.",
    labelNames: ["source", "fleet", "service", "status"],
    registers,
  })
  const triggersTotal = new Counter({
    name: "fleetd_triggers_total",
    help: "Pass requests, by source and trigger.",
    labelNames: ["source", "trigger"],
    registers,
  })
  const webhookTotal = new Counter({
    name: "fleetd_webhook_requests_total",
    help: "Webhook requests, by provider and how they were answered.",
    labelNames: ["provider", "outcome"],
    registers,
  })
  const gitFetchDuration = new Histogram({
    name: "fleetd_git_fetch_duration_seconds",
    help: "Duration of git fetches (and the first clone), by source.",
    labelNames: ["source"],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  })
  const gitFetchErrors = new Counter({
    name: "fleetd_git_fetch_errors_total",
    help: "Git fetches that failed, by source.",
    labelNames: ["source"],
    registers,
  })
  const samples = new SourceSamples()
  // What each source last wrote with setServices (`fleet\0service` → `sync\0health`): a
  // pass writes only the services whose sync or health changed, and removes only those
  // that left. Removing and re-adding every service's 11 samples took 160 ms a pass at
  // 1,000 services (prom-client's remove is a `delete` on a large object).
  const servicesWritten = new Map<string, ReadonlyMap<string, string>>()

  const render = Effect.promise(async () => ({
    contentType: registry.contentType,
    body: await registry.metrics(),
  }))
  const recordWebhook = (provider: string, outcome: string) =>
    Effect.sync(() => webhookTotal.inc({ provider, outcome }))

  const forSource = (source: string): Metrics["Service"] => {
    // Every write goes through these, so the source's samples are known for replacing and removing.
    const set = <T extends string>(gauge: Gauge<T>, labels: LabelValues<T>, value: number) => {
      gauge.set(labels, value)
      samples.note(source, gauge, labels)
    }
    const inc = <T extends string>(counter: Counter<T>, labels: LabelValues<T>, by = 1) => {
      counter.inc(labels, by)
      samples.note(source, counter, labels)
    }
    const drop = <T extends string>(gauge: Gauge<T>, labels: LabelValues<T>) => {
      gauge.remove(labels)
      samples.drop(source, gauge, labels)
    }
    const observe = <T extends string>(histogram: Histogram<T>, labels: LabelValues<T>, seconds: number) => {
      histogram.observe(labels, seconds)
      samples.note(source, histogram, labels)
    }
    /** Replaces this source's samples of `stalled` with the given ones. */
    const replaceStalled = (next: ReadonlyArray<{ readonly fleet?: string; readonly stalled: boolean }>) => {
      samples.clear(source, stalledGauge)
      for (const f of next)
        set(stalledGauge, f.fleet === undefined ? { source } : { source, fleet: f.fleet }, f.stalled ? 1 : 0)
    }
    // A source is "not stalled" until a pass says otherwise, so `fleetd_stalled` exists
    // from the start (an alert on it needs the series). A second view of the same source
    // keeps what the first one set (with projects, per-fleet samples).
    if (!samples.has(source, stalledGauge)) replaceStalled([{ stalled: false }])
    return {
      render,
      recordWebhook,
      recordPass: (result, seconds, actions) =>
        Effect.sync(() => {
          inc(reconcileTotal, { source, result })
          observe(reconcileDuration, { source }, seconds)
          for (const a of actions) inc(actionsTotal, { source, action: a.action, outcome: a.outcome })
          if (result === "success") set(lastSuccess, { source }, Date.now() / 1000)
        }),
      recordTrigger: (trigger) => Effect.sync(() => inc(triggersTotal, { source, trigger })),
      recordGitFetch: (seconds, ok) =>
        Effect.sync(() => {
          observe(gitFetchDuration, { source }, seconds)
          // Counted from the first fetch on, so the error rate has a zero to start from.
          inc(gitFetchErrors, { source }, ok ? 0 : 1)
        }),
      setServices: (services) =>
        Effect.sync(() => {
          const before = servicesWritten.get(source)
          const now = new Map<string, string>()
          for (const s of services) {
            const key = `${s.fleet}\u0000${s.service}`
            const value = `${s.sync}\u0000${s.health}`
            now.set(key, value)
            if (before?.get(key) === value) continue
            for (const status of syncStates)
              set(
                serviceSync,
                { source, fleet: s.fleet, service: s.service, status },
                status === s.sync ? 1 : 0,
              )
            for (const status of healthStates)
              set(
                serviceHealth,
                { source, fleet: s.fleet, service: s.service, status },
                status === s.health ? 1 : 0,
              )
          }
          // Services that left the manifest (or the fleet) lose their series.
          for (const key of before?.keys() ?? [])
            if (!now.has(key)) {
              const [fleet = "", service = ""] = key.split("\u0000")
              for (const status of syncStates) drop(serviceSync, { source, fleet, service, status })
              for (const status of healthStates) drop(serviceHealth, { source, fleet, service, status })
            }
          servicesWritten.set(source, now)
        }),
      setRevision: (revision) =>
        Effect.sync(() => {
          samples.clear(source, revisionInfo)
          set(revisionInfo, { source, revision }, 1)
        }),
      setSigner: (signer) =>
        Effect.sync(() => {
          samples.clear(source, signerInfo)
          set(
            signerInfo,
            { source, format: signer.format, fingerprint: signer.fingerprint, principal: signer.principal },
            1,
          )
        }),
      setStalled: (stalled) => Effect.sync(() => replaceStalled([{ stalled }])),
      setLeases: (leases) =>
        Effect.sync(() => {
          samples.clear(source, leaseHeld)
          for (const l of leases) set(leaseHeld, { source, fleet: l.fleet }, l.held ? 1 : 0)
        }),
      setStalledFleets: (fleets) => Effect.sync(() => replaceStalled(fleets)),
    }
  }

  return MetricsRegistry.of({
    render,
    recordWebhook,
    forSource,
    removeSource: (name) =>
      Effect.sync(() => {
        samples.forget(name)
        servicesWritten.delete(name)
      }),
  })
}
