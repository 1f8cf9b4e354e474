import { describeHolder } from "../daemon/leaseDecision.ts"
import type { DaemonStatus, FleetStatus, ServiceStatus } from "../domain/FleetStatus.ts"
import { portText } from "../domain/portText.ts"

const ago = (iso: string | undefined, now: number) => {
  if (iso === undefined) return "never"
  const seconds = Math.round((now - Date.parse(iso)) / 1000)
  return seconds < 0
    ? `in ${-seconds}s`
    : seconds < 90
      ? `${seconds}s ago`
      : `${Math.round(seconds / 60)}m ago`
}

export const short = (revision: string | undefined) =>
  revision === undefined ? "-" : /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 12) : revision

const table = (rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? []
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  )
}

/** The image column: the reference, and the digest it resolved to when there is one. */
const imageCell = (svc: ServiceStatus) => {
  // `name@sha256:<64 hex>` → `sha256:<12 hex>`, as short as `docker images --digests` is wide.
  const digest = svc.digest?.split("@")[1]?.slice(0, 19)
  return digest === undefined ? svc.image : `${svc.image} (${digest})`
}

/** The ports column: published ones as `docker ps` writes them, exposed ones bare. */
const portsCell = (svc: ServiceStatus) =>
  svc.ports === undefined || svc.ports.length === 0 ? "-" : svc.ports.map(portText).join(", ")

/** `fleetd status` for a terminal: the fleet's phase, revisions, engine and one row per service. */
export const renderStatus = (s: FleetStatus, now: number): string => {
  const pass = s.lastPass
  const lines = [
    s.projects !== undefined
      ? `projects (${s.projects.length}): ${s.phase}`
      : `fleet ${s.fleet ?? "(not loaded yet)"}: ${s.phase}`,
    `source:   ${s.source.kind} ${s.source.location} @ ${s.source.ref}`,
    `revision: applied ${short(s.lastAppliedRevision)}, last attempted ${short(s.lastAttemptedRevision)}`,
    pass === undefined
      ? "pass:     none yet"
      : `pass:     ${pass.result ?? "running"} ${ago(pass.finishedAt ?? pass.startedAt, now)} (${pass.triggers.join(", ")})${pass.durationMs === undefined ? "" : ` in ${pass.durationMs} ms`}; next ${ago(s.nextPassAt, now)}`,
    `engine:   ${s.engine.reachable === false ? `UNREACHABLE: ${s.engine.error ?? ""}` : s.engine.kind === undefined ? "not contacted yet" : `${s.engine.kind} ${s.engine.version} (API ${s.engine.apiVersion})`}`,
  ]
  for (const lease of s.leases ?? [])
    lines.push(
      lease.held
        ? `lease:    fleet ${lease.fleet} held by this fleetd since ${ago(lease.since, now)}`
        : `lease:    WAITING for fleet ${lease.fleet}: held by ${describeHolder(lease.holder)}; expires ${ago(lease.expiresAt, now)} unless renewed`,
    )
  if (s.verified !== undefined)
    lines.push(
      `signed:   ${s.verified.principal} (${s.verified.format} key ${s.verified.fingerprint}) on ${s.verified.object} ${short(s.verified.revision)}`,
    )
  if (pass?.error !== undefined) lines.push(`error:    ${pass.error}`)
  if (s.stalled !== undefined) {
    lines.push(
      `STALLED at ${short(s.stalled.revision)}: ${s.stalled.reason}`,
      ...s.stalled.issues.map((i) => `  ${i}`),
    )
  }
  if (s.projects !== undefined) lines.push(...renderProjects(s, now))
  if (s.services.length > 0) {
    lines.push(
      "",
      ...table([
        ["SERVICE", "SYNC", "HEALTH", "IMAGE", "PORTS", "LAST CHANGE", "NOTE"],
        ...s.services.map((svc) => [
          svc.name,
          svc.sync,
          svc.exitCode === undefined
            ? svc.swarm === undefined
              ? svc.health
              : `${svc.health} (${svc.swarm.running}/${svc.swarm.desired})`
            : `${svc.health} (exit ${svc.exitCode})`,
          imageCell(svc),
          portsCell(svc),
          svc.lastChange === undefined
            ? "-"
            : `${svc.lastChange.outcome} ${ago(svc.lastChange.at, now)}${svc.lastChange.reason ? ` (${svc.lastChange.reason})` : ""}`,
          svc.suspended !== undefined ? `suspended: ${svc.suspended}` : (svc.lastError?.message ?? "-"),
        ]),
      ]),
    )
    const swarm = s.services.filter((svc) => svc.swarm !== undefined && svc.swarm.tasks.length > 0)
    if (swarm.length > 0)
      lines.push(
        "",
        ...table([
          ["SERVICE", "TASK", "NODE", "STATE", "ERROR"],
          ...swarm.flatMap((svc) =>
            (svc.swarm?.tasks ?? []).map((t) => [
              svc.name,
              t.slot === undefined ? t.id.slice(0, 12) : `${svc.name}.${t.slot}`,
              t.node || "-",
              t.state === t.desiredState ? t.state : `${t.state} (wanted ${t.desiredState})`,
              t.error ?? "-",
            ]),
          ),
        ]),
      )
  }
  return lines.join("\n")
}

/** With `--projects`: one row per project, their services, stalls and orphans. */
const renderProjects = (s: FleetStatus, now: number): ReadonlyArray<string> => {
  const projects = s.projects ?? []
  const lines = [
    "",
    ...table([
      ["PROJECT", "DIRECTORY", "PHASE", "SERVICES", "APPLIED"],
      ...projects.map((p) => [
        p.fleet,
        p.dir,
        p.phase,
        `${p.services.filter((svc) => svc.sync === "Synced").length}/${p.services.length} synced`,
        short(p.lastAppliedRevision),
      ]),
    ]),
  ]
  for (const p of projects.filter((q) => q.stalled !== undefined))
    lines.push(
      `STALLED ${p.fleet} at ${short(p.stalled?.revision)}: ${p.stalled?.reason}`,
      ...(p.stalled?.issues ?? []).map((i) => `  ${i}`),
    )
  for (const o of s.orphaned ?? [])
    lines.push(
      `ORPHANED ${o.fleet}: ${o.dir} is no longer a project; ${o.pruned ? "pruned" : `left running (${o.containers.join(", ")}); --prune-projects removes it`}`,
    )
  const rows = projects.flatMap((p) =>
    p.services.map((svc) => [
      p.fleet,
      svc.name,
      svc.sync,
      svc.health,
      imageCell(svc),
      portsCell(svc),
      svc.lastChange === undefined ? "-" : `${svc.lastChange.outcome} ${ago(svc.lastChange.at, now)}`,
      svc.suspended !== undefined ? `suspended: ${svc.suspended}` : (svc.lastError?.message ?? "-"),
    ]),
  )
  if (rows.length > 0)
    lines.push(
      "",
      ...table([["PROJECT", "SERVICE", "SYNC", "HEALTH", "IMAGE", "PORTS", "LAST CHANGE", "NOTE"], ...rows]),
    )
  return lines
}

/**
 * `fleetd status` for the whole daemon: one source run from flags renders as above; a
 * config file adds its state, a table of the sources (fleets, revision, last pass, next
 * poll) and then each source in full.
 */
export const renderDaemonStatus = (d: DaemonStatus, now: number): string => {
  const [only] = d.sources
  if (d.sources.length === 1 && d.config === undefined && only !== undefined) return renderStatus(only, now)
  const lines = [`fleetd: ${d.phase}, ${d.sources.length} source${d.sources.length === 1 ? "" : "s"}`]
  if (d.config !== undefined)
    lines.push(
      `config:   ${d.config.file}, loaded ${ago(d.config.loadedAt, now)}`,
      ...(d.config.error === undefined
        ? []
        : [
            `RELOAD REFUSED ${ago(d.config.error.at, now)} (the loaded configuration runs):`,
            `  ${d.config.error.message}`,
          ]),
    )
  lines.push(
    "",
    ...table([
      ["SOURCE", "PHASE", "FLEETS", "APPLIED", "LAST PASS", "NEXT POLL"],
      ...d.sources.map((s) => [
        s.name,
        s.phase,
        s.projects !== undefined ? s.projects.map((p) => p.fleet).join(",") || "-" : (s.fleet ?? "-"),
        short(s.lastAppliedRevision),
        s.lastPass === undefined
          ? "none yet"
          : `${s.lastPass.result ?? "running"} ${ago(s.lastPass.finishedAt ?? s.lastPass.startedAt, now)}`,
        ago(s.nextPassAt, now),
      ]),
    ]),
  )
  for (const s of d.sources) lines.push("", `── source ${s.name} ──`, renderStatus(s, now))
  return lines.join("\n")
}
