import type { DaemonStatus, LeaseStatus, PassStatus, SourceStatus } from "../domain/FleetStatus.ts"
import { forgeCommitUrl } from "./forgeCommitUrl.ts"
import {
  badge,
  changeSummary,
  duration,
  type FleetView,
  fleetsOf,
  servicePath,
  shortRevision,
  stalledBlock,
  when,
} from "./fragments.ts"
import { type Html, html } from "./html.ts"
import type { PageData } from "./pageData.ts"

const revisionLink = (source: SourceStatus, revision: string | undefined): Html => {
  if (revision === undefined) return html`<span class="muted">none yet</span>`
  const url = source.source.kind === "git" ? forgeCommitUrl(source.source.location, revision) : undefined
  const code = html`<code title="${revision}">${shortRevision(revision)}</code>`
  return url === undefined ? code : html`<a href="${url}" rel="noreferrer">${code}</a>`
}

/** The commit's subject and author, when the checkout had them. */
const commitLine = (data: PageData, revision: string | undefined): Html => {
  const commit = revision === undefined ? undefined : data.commits.get(revision)
  return commit === undefined
    ? html``
    : html` <q>${commit.subject}</q> <span class="muted">by ${commit.author}</span>`
}

const lastPass = (pass: PassStatus | undefined): Html =>
  pass === undefined
    ? html`<span class="muted">none yet</span>`
    : html`${badge(pass.result ?? "running")} ${pass.id === undefined ? "" : `#${pass.id}`} by
        ${pass.triggers.join(", ")}, ${when(pass.finishedAt ?? pass.startedAt)}
        ${pass.durationMs === undefined ? "" : html`in ${duration(pass.durationMs)}`}
        ${pass.error === undefined ? "" : html`<pre class="error">${pass.error}</pre>`}`

const fleetTable = (source: SourceStatus, view: FleetView): Html => html`
  <div class="fleet">
    <h3>Fleet ${view.fleet ?? html`<span class="muted">(unnamed)</span>`} ${badge(view.phase)}
      ${view.dir === undefined ? "" : html`<span class="muted">in ${view.dir}</span>`}</h3>
    ${stalledBlock(view.stalled)}
    ${
      view.services.length === 0
        ? html`<p class="muted">No services.</p>`
        : html`<table>
      <thead><tr><th scope="col">Service</th><th scope="col">Sync</th><th scope="col">Health</th><th scope="col">Image</th><th scope="col">Last change</th></tr></thead>
      <tbody>${view.services.map(
        (s) => html`<tr>
          <th scope="row"><a href="${servicePath(source.name, view.fleet, s.name)}">${s.name}</a></th>
          <td>${badge(s.sync)}</td>
          <td>${badge(s.health)}${s.swarm === undefined ? "" : html` ${s.swarm.running}/${s.swarm.desired}`}</td>
          <td class="image"><code>${s.image}</code></td>
          <td>${
            s.lastError !== undefined && (s.sync === "Failed" || s.sync === "RolledBack")
              ? html`<span class="error">${s.lastError.message.split("\n")[0]}</span>`
              : s.lastChange === undefined
                ? html`<span class="muted">\u2014</span>`
                : html`${s.lastChange.outcome}${s.lastChange.reason === undefined ? "" : html` (${s.lastChange.reason})`} ${when(s.lastChange.at)}`
          }</td>
        </tr>`,
      )}</tbody>
    </table>`
    }
  </div>`

const waitingLeases = (leases: ReadonlyArray<LeaseStatus> | undefined): Html => {
  const waiting = (leases ?? []).filter((l) => !l.held)
  return waiting.length === 0
    ? html``
    : html`<ul class="leases">${waiting.map(
        (l) => html`<li>Waiting for the lease of fleet <strong>${l.fleet}</strong>: held by ${l.holder.host}
          (pid ${l.holder.pid}, ${l.holder.command}${l.holder.source === undefined ? "" : `, source ${l.holder.source}`})
          since ${when(l.since)}${l.expiresAt === undefined ? "" : html`, expires ${when(l.expiresAt)} unless renewed`}</li>`,
      )}</ul>`
}

const syncForm = (source: SourceStatus, index: number, canSync: boolean): Html =>
  canSync
    ? html`<form method="post" action="/sync/${encodeURIComponent(source.name)}" class="sync" data-sync>
        <button type="submit" id="sync-${index}">Sync now</button></form>`
    : html`<form class="sync"><button type="button" id="sync-${index}" disabled
        title="Set FLEETD_UI_TOKEN to enable this button">Sync now</button></form>`

const sourceSection = (data: PageData, source: SourceStatus, index: number): Html => html`
  <section class="source" aria-labelledby="source-${index}">
    <header class="source-head">
      <h2 id="source-${index}">${source.name} ${badge(source.phase)}</h2>
      ${syncForm(source, index, data.canSync)}
    </header>
    <dl class="facts">
      <dt>Source</dt><dd>${source.source.kind} <code>${source.source.location}</code> at <code>${source.source.ref}</code></dd>
      <dt>Revision</dt><dd>${revisionLink(source, source.lastAppliedRevision)}${commitLine(data, source.lastAppliedRevision)}${
        source.lastAttemptedRevision !== undefined &&
        source.lastAttemptedRevision !== source.lastAppliedRevision
          ? html` (attempted ${revisionLink(source, source.lastAttemptedRevision)}${commitLine(data, source.lastAttemptedRevision)})`
          : ""
      }</dd>
      ${
        source.rollingOut === undefined
          ? ""
          : html`<dt>Rolling out</dt><dd>${badge("Reconciling")} ${revisionLink(source, source.rollingOut)}${commitLine(data, source.rollingOut)}</dd>`
      }
      ${
        source.verified === undefined
          ? ""
          : html`<dt>Signed by</dt><dd>${source.verified.principal} <code>${source.verified.fingerprint}</code> <span class="muted">(${source.verified.format} ${source.verified.object}, ${shortRevision(source.verified.revision)})</span></dd>`
      }
      <dt>Last pass</dt><dd>${lastPass(source.lastPass)}</dd>
      <dt>Next poll</dt><dd>${when(source.nextPassAt)}</dd>
      <dt>Engine</dt><dd>${
        source.engine.reachable === false
          ? html`<span class="error">unreachable: ${source.engine.error ?? "unknown error"}</span>`
          : source.engine.reachable === undefined
            ? html`<span class="muted">not asked yet</span>`
            : `${source.engine.kind ?? "engine"} ${source.engine.version ?? ""}`
      }</dd>
    </dl>
    ${waitingLeases(source.leases)}
    ${source.lastPass?.changes === undefined ? "" : html`<details><summary>Last pass's changes</summary>${changeSummary(source.lastPass)}</details>`}
    ${source.projects !== undefined ? stalledBlock(source.stalled) : ""}
    ${fleetsOf(source).map((view) => fleetTable(source, view))}
  </section>`

/** The notification targets' delivery, by label only: a target's URL holds its token. */
const notificationsSection = (targets: DaemonStatus["notifications"]): Html =>
  targets === undefined || targets.length === 0
    ? html``
    : html`<section class="source" aria-labelledby="notifications">
        <h2 id="notifications">Notifications ${targets.some((t) => t.failing) ? badge("Failing") : ""}</h2>
        <table>
          <thead><tr><th scope="col">Target</th><th scope="col">State</th><th scope="col">Delivered</th><th scope="col">Dropped</th><th scope="col">Last error</th></tr></thead>
          <tbody>${targets.map(
            (t) => html`<tr><th scope="row">${t.target}</th>
              <td>${t.failing ? html`${badge("failed")} since ${when(t.since)}` : badge("success")}</td>
              <td>${t.delivered}</td><td>${t.dropped}</td>
              <td>${t.lastError === undefined ? html`<span class="muted">\u2014</span>` : html`<span class="error">${t.lastError}</span>`}</td></tr>`,
          )}</tbody>
        </table>
      </section>`

/** `GET /`: every source, its fleets and their services. */
export const overviewPage = (data: PageData): { readonly title: string; readonly main: Html } => ({
  title: "fleetd",
  main: html`<h1>Fleets ${badge(data.status.phase)}</h1>
    ${
      data.status.config?.error === undefined
        ? ""
        : html`<p class="error">The config file's last reload was refused (${when(data.status.config.error.at)}): ${data.status.config.error.message}</p>`
    }
    ${data.status.sources.length === 0 ? html`<p class="muted">No sources yet.</p>` : ""}
    ${data.status.sources.map((s, i) => sourceSection(data, s, i))}
    ${notificationsSection(data.status.notifications)}`,
})
