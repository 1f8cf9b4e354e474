import type { PassStatus, ServiceStatus, SourceStatus } from "../domain/FleetStatus.ts"
import { type Html, html } from "./html.ts"

/**
 * Small pieces the pages share. Times are rendered as `<time>` with the ISO text, which
 * the page's script turns into "12 s ago" (so the HTML itself does not change every
 * second and the event stream only sends real changes).
 */
export const when = (iso: string | undefined): Html =>
  iso === undefined
    ? html`<span class="muted">never</span>`
    : html`<time datetime="${iso}" data-rel>${iso}</time>`

export const duration = (ms: number | undefined): string =>
  ms === undefined ? "" : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`

/** A state word, styled by its kind: good, bad, busy or plain. */
export const badge = (word: string | undefined): Html => {
  const text = word ?? "unknown"
  const kind = /^(Synced|Healthy|Completed|success|held)$/.test(text)
    ? "good"
    : /^(Failed|Failing|RolledBack|rolled-back|Unhealthy|Missing|Stalled|stalled|error|failed|Degraded|partial)$/.test(
          text,
        )
      ? "bad"
      : /^(Starting|Reconciling|OutOfSync|Waiting|Standby|Suspended)$/.test(text)
        ? "busy"
        : "plain"
  return html`<span class="badge ${kind}">${text}</span>`
}

/** A git sha to 12 characters, a directory's `dir:<hex>` to 16. */
export const shortRevision = (revision: string): string =>
  revision.startsWith("dir:") ? revision.slice(0, 16) : revision.slice(0, 12)

/** The service page's address: every part encoded, a fleetless status as `-`. */
export const servicePath = (source: string, fleet: string | undefined, service: string): string =>
  `/services/${encodeURIComponent(source)}/${encodeURIComponent(fleet ?? "-")}/${encodeURIComponent(service)}`

/** One source's fleets: its own, or one per project (`--projects`). */
export interface FleetView {
  readonly fleet: string | undefined
  readonly dir?: string
  readonly phase: string
  readonly services: ReadonlyArray<ServiceStatus>
  readonly stalled?: SourceStatus["stalled"]
}

export const fleetsOf = (source: SourceStatus): ReadonlyArray<FleetView> =>
  source.projects === undefined
    ? [
        {
          fleet: source.fleet,
          phase: source.phase,
          services: source.services,
          ...(source.stalled === undefined ? {} : { stalled: source.stalled }),
        },
      ]
    : source.projects.map((p) => ({
        fleet: p.fleet,
        dir: p.dir,
        phase: p.phase,
        services: p.services,
        ...(p.stalled === undefined ? {} : { stalled: p.stalled }),
      }))

/** What a pass changed, as "web replaced (image changed); db created": unchanged services left out. */
export const changeSummary = (pass: PassStatus): Html => {
  const changed = (pass.changes ?? []).filter((c) => c.outcome !== "unchanged")
  if (changed.length === 0) return html`<span class="muted">no change</span>`
  return html`<ul class="changes">${changed.map(
    (c) =>
      html`<li>${c.fleet === undefined ? "" : `${c.fleet}/`}<strong>${c.service}</strong> ${badge(c.outcome)}${
        c.reason === undefined ? "" : html` <span class="muted">${c.reason}</span>`
      }</li>`,
  )}</ul>`
}

/** A fleet's stalled revision: why, and each `file:line:col` issue. */
export const stalledBlock = (stalled: SourceStatus["stalled"]): Html =>
  stalled === undefined
    ? html``
    : html`<div class="stalled">
        <h4>Stalled at revision <code>${shortRevision(stalled.revision)}</code></h4>
        <p>${stalled.reason}</p>
        ${stalled.issues.length === 0 ? "" : html`<ul class="issues">${stalled.issues.map((i) => html`<li><code>${i}</code></li>`)}</ul>`}
      </div>`
