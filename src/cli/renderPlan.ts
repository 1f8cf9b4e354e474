import type { PlannedChange, PlanView } from "./planView.ts"

/** `fleetd plan` for a terminal: one line per planned change, then the counts. */

const describeHooks = (c: PlannedChange): string =>
  c.hooks === undefined
    ? ""
    : `, with hooks (${Object.entries(c.hooks)
        .map(([phase, n]) => `${phase}: ${n}`)
        .join(", ")})`

const pullReasons: Readonly<Record<string, string>> = {
  missing: "not on this host",
  always: "pull_policy: always",
  scheduled: "pull_policy period elapsed",
  digest: "new digest in the registry",
}

const removeReasons: Record<string, string> = {
  orphan: "no longer in the manifest",
  leftover: "leftover of an interrupted replacement",
  replaced: "its replacement already runs",
}

const buildReasons: Readonly<Record<string, string>> = {
  missing: "not on this host",
  changed: "its context, Dockerfile or arguments changed",
  policy: 'pull_policy "build"',
}

const renderChange = (c: PlannedChange): string => {
  switch (c.action) {
    case "pull":
      return `↓ pull ${c.image} (${pullReasons[c.reason ?? ""] ?? c.reason}) for ${c.services?.join(", ")}`
    case "build":
      return `⚒ build ${c.image} (${buildReasons[c.reason ?? ""] ?? c.reason}) for ${c.services?.join(", ")}`
    case "create-network":
      return `+ network ${c.name}`
    case "create-volume":
      return `+ volume ${c.name}`
    case "check-network":
    case "check-volume":
      return `? ${c.action === "check-network" ? "network" : "volume"} ${c.name}: external, check it exists (for ${c.services?.join(", ")})`
    case "recreate-network":
      return `~ network ${c.name}: recreate (spec changed)${c.containers?.length ? `, reconnecting ${c.containers.join(", ")}` : ""}`
    case "remove-network":
      return `- network ${c.name} (no longer in the manifest)`
    case "remove-volume":
      return `- volume ${c.name} (no longer in the manifest; prune_volumes: true)`
    case "keep-volume":
      return `= volume ${c.name}: kept (no longer in the manifest; set x-fleetd.prune_volumes: true to remove it)`
    case "network-blocked":
    case "volume-blocked":
      return `! ${c.action === "network-blocked" ? "network" : "volume"} ${c.name}: blocked: ${c.reason}`
    case "suspended":
      return `= ${c.service}: suspended: ${c.reason}`
    case "create":
      return `+ ${c.service}: create ${c.container} from ${c.image}${describeHooks(c)}`
    case "replace": {
      const fields = c.changes?.length ? ` (${c.changes.join(", ")})` : ""
      return `~ ${c.service}: replace ${c.container}: ${c.reason}${fields}, ${c.strategy}${describeHooks(c)}`
    }
    case "handover": {
      const fields = c.changes?.length ? ` (${c.changes.join(", ")})` : ""
      return `~ ${c.service}: hand over ${c.container} to a new fleetd: ${c.reason}${fields} (docs/self-update.md)`
    }
    case "start":
      return `> ${c.service}: start ${c.container} (not running)`
    case "adopt":
      return `~ ${c.service}: ${c.reason} as ${c.container}`
    case "resume":
      return `~ ${c.service}: resume ${c.reason}${describeHooks(c)}`
    case "roll-back":
      return `< ${c.service}: roll back: ${c.reason}`
    case "remove":
      return `- ${c.service}: remove ${c.container} (${removeReasons[c.reason ?? ""] ?? c.reason})`
    case "unchanged":
      return `= ${c.service}: unchanged`
    case "completed":
      return c.exitCode === 0
        ? `= ${c.service}: completed (exit code 0)`
        : `! ${c.service}: job failed (exit code ${c.exitCode}); not run again until its spec changes`
    case "blocked":
      return `! ${c.service}: blocked: ${c.reason}`
    case "held":
      return `! ${c.service}: held: ${c.reason}`
  }
}

/** The human rendering: one line per change, then the counts. */
export const renderPlan = (view: PlanView): string => {
  const s = view.summary
  const total = view.inSync
    ? "In sync: nothing to do."
    : `Plan: ${s.create} to create, ${s.replace} to replace,${s.handover ? ` ${s.handover} to hand over,` : ""}${s.resume ? ` ${s.resume} to resume,` : ""}${s["roll-back"] ? ` ${s["roll-back"]} to roll back,` : ""} ${s.start} to start, ${s.remove} to remove, ${s.unchanged} unchanged${s.completed ? `, ${s.completed} completed` : ""}${view.withHooks ? `, ${view.withHooks} with hooks` : ""}${s.blocked ? `, ${s.blocked} blocked` : ""}${s.held ? `, ${s.held} held` : ""}${s.suspended ? `, ${s.suspended} suspended` : ""}.`
  return [
    `Plan for fleet "${view.fleet}":`,
    ...(view.changes.length === 0 ? ["  (no services)"] : view.changes.map((c) => `  ${renderChange(c)}`)),
    total,
  ].join("\n")
}
