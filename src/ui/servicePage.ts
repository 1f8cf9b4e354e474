import type { BuildResult } from "../domain/BuildSpec.ts"
import type { ServiceStatus, SourceStatus } from "../domain/FleetStatus.ts"
import { type HookResult, hookStepName } from "../domain/HookResult.ts"
import { portText } from "../domain/portText.ts"
import { badge, duration, fleetsOf, shortRevision, stalledBlock, when } from "./fragments.ts"
import { type Html, html } from "./html.ts"
import type { PageData } from "./pageData.ts"

const hooksTable = (hooks: ReadonlyArray<HookResult> | undefined): Html =>
  hooks === undefined || hooks.length === 0
    ? html``
    : html`<h3>Hooks</h3><table>
      <thead><tr><th scope="col">Step</th><th scope="col">Result</th><th scope="col">Exit</th><th scope="col">Took</th><th scope="col">Output</th></tr></thead>
      <tbody>${hooks.map(
        (h) => html`<tr><th scope="row"><code>${hookStepName(h)}</code></th>
          <td>${badge(h.skipped === true ? "skipped" : h.ok ? "success" : "failed")}${h.error === undefined ? "" : html` ${h.error}`}</td>
          <td>${h.exitCode ?? ""}</td><td>${duration(h.durationMs)}</td>
          <td>${h.outputTail === undefined || h.outputTail === "" ? "" : html`<pre>${h.outputTail}</pre>`}</td></tr>`,
      )}</tbody></table>`

const buildBlock = (build: BuildResult | undefined): Html =>
  build === undefined
    ? html``
    : html`<h3>Build of <code>${build.image}</code> ${badge(build.ok ? "success" : "failed")}</h3>
      <p>${duration(build.durationMs)}${build.imageId === undefined ? "" : html`, image <code>${build.imageId}</code>`}</p>
      ${build.error === undefined ? "" : html`<pre class="error">${build.error}</pre>`}
      ${build.outputTail === "" ? "" : html`<details><summary>Builder output</summary><pre>${build.outputTail}</pre></details>`}`

/** The error message, with the failing container's last log lines apart when it has them. */
const errorMessage = (message: string): Html => {
  const [head, tail] = message.split("\nlast log lines:\n")
  return html`<p class="error">${head}</p>${tail === undefined ? "" : html`<h3>Last log lines</h3><pre class="log">${tail}</pre>`}`
}

const denialPrefix = "denied by operator policy: "
const policyDenial =
  /^denied by operator policy: (.*?) is not allowed; allow it with (.*?) in the policy file(.*)$/s

/**
 * A service the operator policy blocks (docs/policy.md): each denial, with the policy
 * key that would allow it in `<code>`. Undefined when the error is not a policy block.
 */
const policyBlock = (message: string): Html | undefined => {
  if (!message.startsWith(denialPrefix)) return undefined
  const parts = message.split(`; ${denialPrefix}`).map((part, i) => (i === 0 ? part : denialPrefix + part))
  return html`<p class="error">Blocked by the operator policy: what runs for it is left as it is.</p>
    <ul class="issues">${parts.map((part) => {
      const d = policyDenial.exec(part)
      return d === null
        ? html`<li>${part}</li>`
        : html`<li><code>${d[1]}</code> is not allowed${d[3]}: allow it with <code>${d[2]}</code> in the policy file</li>`
    })}</ul>`
}

const imageFacts = (s: ServiceStatus): Html =>
  html`<code>${s.image}</code>${s.track === undefined ? "" : " (tracking its digest)"}${
    s.digest === undefined ? "" : html`<br><span class="muted">digest</span> <code>${s.digest}</code>`
  }${s.imageId === undefined ? "" : html`<br><span class="muted">image id</span> <code title="${s.imageId}">${s.imageId.slice(0, 19)}</code>`}`

const containerFacts = (s: ServiceStatus): Html =>
  s.container === undefined
    ? html`<span class="muted">none</span>`
    : html`<code>${s.container}</code>${
        s.ports === undefined || s.ports.length === 0
          ? ""
          : html`<ul class="ports" aria-label="Ports">${s.ports.map(
              (p) =>
                html`<li><code>${portText(p)}</code>${p.hostPort === undefined ? html` <span class="muted">exposed</span>` : ""}</li>`,
            )}</ul>`
      }`

/** The swarm target: each task with its node and state, and Swarm's update state. */
const swarmTasks = (s: ServiceStatus): Html | "" =>
  s.swarm === undefined
    ? ""
    : html`<section aria-labelledby="tasks">
    <h2 id="tasks">Tasks</h2>
    ${s.swarm.update === undefined ? "" : html`<p>Update: ${badge(s.swarm.update.state)} ${s.swarm.update.message ?? ""}</p>`}
    <table>
      <thead><tr><th scope="col">Task</th><th scope="col">Node</th><th scope="col">State</th><th scope="col">Error</th></tr></thead>
      <tbody>${s.swarm.tasks.map(
        (t) => html`<tr>
          <td><code>${t.slot === undefined ? t.id.slice(0, 12) : `${s.name}.${t.slot}`}</code></td>
          <td>${t.node || "—"}</td>
          <td>${badge(t.state)}${t.state === t.desiredState ? "" : html` <span class="muted">(wanted ${t.desiredState})</span>`}</td>
          <td>${t.error ?? ""}</td>
        </tr>`,
      )}</tbody>
    </table>
  </section>`

const serviceBody = (s: ServiceStatus, source: SourceStatus, stalled: SourceStatus["stalled"]): Html => html`
  ${stalledBlock(stalled)}
  <dl class="facts">
    <dt>Sync</dt><dd>${badge(s.sync)}</dd>
    <dt>Health</dt><dd>${badge(s.health)}${s.exitCode === undefined ? "" : html` (exit code ${s.exitCode})`}${
      s.swarm === undefined ? "" : html` ${s.swarm.running}/${s.swarm.desired} replicas running`
    }</dd>
    <dt>Image</dt><dd>${imageFacts(s)}</dd>
    <dt>Container</dt><dd>${containerFacts(s)}</dd>
    ${s.suspended === undefined ? "" : html`<dt>Suspended</dt><dd>${s.suspended}</dd>`}
    ${
      source.rollingOut === undefined
        ? ""
        : html`<dt>Rolling out</dt><dd>${badge("Reconciling")} revision <code title="${source.rollingOut}">${shortRevision(source.rollingOut)}</code></dd>`
    }
  </dl>
  ${swarmTasks(s)}
  <section aria-labelledby="last-change">
    <h2 id="last-change">Last change</h2>
    ${
      s.lastChange === undefined
        ? html`<p class="muted">None seen by this fleetd.</p>`
        : html`<p>${badge(s.lastChange.outcome)} ${s.lastChange.reason ?? ""} at revision
            <code title="${s.lastChange.revision}">${shortRevision(s.lastChange.revision)}</code>, ${when(s.lastChange.at)}</p>
          ${hooksTable(s.lastChange.hooks)}${buildBlock(s.lastChange.build)}`
    }
  </section>
  ${
    s.lastError === undefined
      ? ""
      : html`<section aria-labelledby="last-error" class="failure">
          <h2 id="last-error">Last error ${when(s.lastError.at)}</h2>
          ${policyBlock(s.lastError.message) ?? errorMessage(s.lastError.message)}
          ${hooksTable(s.lastError.hooks)}${buildBlock(s.lastError.build)}
        </section>`
  }`

/** `GET /services/<source>/<fleet>/<service>`, or undefined when there is no such service. */
export const servicePage = (
  data: PageData,
  sourceName: string,
  fleet: string,
  name: string,
): { readonly title: string; readonly main: Html } | undefined => {
  const source = data.status.sources.find((s) => s.name === sourceName)
  if (source === undefined) return undefined
  const view = fleetsOf(source).find((f) => (f.fleet ?? "-") === fleet)
  const service = view?.services.find((s) => s.name === name)
  if (service === undefined) return undefined
  return {
    title: `${name} · fleetd`,
    main: html`<nav aria-label="Breadcrumb"><a href="/">Fleets</a> \u203a ${sourceName} \u203a ${fleet}</nav>
      <h1>Service ${name}</h1>${serviceBody(service, source, view?.stalled)}`,
  }
}
