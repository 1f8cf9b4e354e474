import { badge, changeSummary, duration, shortRevision, when } from "./fragments.ts"
import { type Html, html } from "./html.ts"
import type { PageData } from "./pageData.ts"

/** `GET /passes`: per source, its recorded passes (docs/history.md), newest first. */
export const passesPage = (data: PageData): { readonly title: string; readonly main: Html } => ({
  title: "Passes · fleetd",
  main: html`<h1>Recent passes</h1>
    ${data.status.sources.map((source, i) => {
      const passes = data.passes.get(source.name) ?? []
      return html`<section aria-labelledby="passes-${i}">
        <h2 id="passes-${i}">${source.name}</h2>
        ${
          passes.length === 0
            ? html`<p class="muted">No pass recorded yet.</p>`
            : html`<table>
          <thead><tr><th scope="col">Pass</th><th scope="col">Result</th><th scope="col">Triggers</th><th scope="col">Finished</th><th scope="col">Took</th><th scope="col">Revision</th><th scope="col">Changes</th></tr></thead>
          <tbody>${passes.map(
            (p) => html`<tr><th scope="row">${p.id === undefined ? "" : `#${p.id}`}</th>
              <td>${badge(p.result)}${p.error === undefined ? "" : html`<br><span class="error">${p.error}</span>`}</td>
              <td>${p.triggers.join(", ")}</td><td>${when(p.finishedAt ?? p.startedAt)}</td>
              <td>${duration(p.durationMs)}</td>
              <td>${p.revision === undefined ? "" : html`<code title="${p.revision}">${shortRevision(p.revision)}</code>`}</td>
              <td>${changeSummary(p)}</td></tr>`,
          )}</tbody></table>`
        }
      </section>`
    })}`,
})
