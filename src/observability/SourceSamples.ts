import type { LabelValues } from "prom-client"

/** A prom-client metric a sample can be removed from (Counter, Gauge, Histogram all are). */
interface Removable<T extends string> {
  remove(labels: LabelValues<T>): void
}

/**
 * Which samples each source has written into the metrics every source shares. One
 * source's samples can then be replaced (a gauge's `reset()` would wipe every source's)
 * or dropped when the source leaves the config file, leaving no stale series behind.
 * Label objects are built in one fixed key order by the caller, so a label set's JSON
 * is its identity.
 */
export class SourceSamples {
  private readonly bySource = new Map<string, Map<Removable<string>, Map<string, LabelValues<string>>>>()

  /** Notes that `source` has a sample with these labels in `metric`. */
  note<T extends string>(source: string, metric: Removable<T>, labels: LabelValues<T>): void {
    let metrics = this.bySource.get(source)
    if (metrics === undefined) {
      metrics = new Map()
      this.bySource.set(source, metrics)
    }
    let samples = metrics.get(metric)
    if (samples === undefined) {
      samples = new Map()
      metrics.set(metric, samples)
    }
    samples.set(JSON.stringify(labels), labels)
  }

  /** Forgets one sample of `source` (the caller removed it from `metric`). */
  drop<T extends string>(source: string, metric: Removable<T>, labels: LabelValues<T>): void {
    this.bySource.get(source)?.get(metric)?.delete(JSON.stringify(labels))
  }

  /** Whether `source` has any sample in `metric`. */
  has(source: string, metric: Removable<string>): boolean {
    return (this.bySource.get(source)?.get(metric)?.size ?? 0) > 0
  }

  /** Removes every sample of `source` from `metric`. */
  clear(source: string, metric: Removable<string>): void {
    const samples = this.bySource.get(source)?.get(metric)
    if (samples === undefined) return
    for (const labels of samples.values()) metric.remove(labels)
    samples.clear()
  }

  /** Removes every sample of `source` from every metric. */
  forget(source: string): void {
    const metrics = this.bySource.get(source)
    if (metrics === undefined) return
    for (const metric of metrics.keys()) this.clear(source, metric)
    this.bySource.delete(source)
  }
}
