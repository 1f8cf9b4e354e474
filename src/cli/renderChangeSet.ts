import type { ChangeSet, ResourceResult, ServiceResult } from "../reconciler/ChangeSet.ts"

const marks: Record<ServiceResult["outcome"], string> = {
  created: "+",
  replaced: "~",
  started: ">",
  adopted: "~",
  removed: "-",
  unchanged: "=",
  completed: "=",
  failed: "✗",
  blocked: "!",
  "rolled-back": "↶",
  held: "!",
  suspended: "=",
}

const resourceMarks: Record<ResourceResult["outcome"], string> = {
  pulled: "+",
  built: "+",
  ensured: "+",
  recreated: "~",
  removed: "-",
  kept: "=",
  failed: "✗",
  blocked: "!",
}

/** How many of a failed container's last lines the human output shows (all are in --json). */
const shownLogLines = 5

/** What `fleetd apply` prints: one line per resource that changed or failed, one per service. */
export const renderChangeSet = (changes: ChangeSet): string => {
  const lines = [`Applied fleet "${changes.fleet}" (revision ${changes.revision}):`]
  for (const r of changes.resources) {
    lines.push(
      `  ${resourceMarks[r.outcome]} ${r.kind} ${r.name}: ${r.outcome}${r.reason ? `: ${r.reason}` : ""}`,
    )
  }
  for (const s of changes.services) {
    const fields = s.changes?.length ? ` (${s.changes.join(", ")})` : ""
    const code =
      s.outcome === "completed"
        ? ` (exit code ${s.exitCode ?? 0})`
        : s.progressing === true
          ? " (health not known yet: fleetd apply --wait waits for it)"
          : ""
    lines.push(
      `  ${marks[s.outcome]} ${s.service}: ${s.outcome}${code}${s.reason ? `: ${s.reason}` : ""}${fields}`,
    )
    if (s.build !== undefined && !s.build.ok && s.build.outputTail !== "") {
      lines.push("      last build output:")
      for (const line of s.build.outputTail.split("\n").slice(-shownLogLines)) lines.push(`      | ${line}`)
    }
    if (s.logs !== undefined) {
      lines.push("      last log lines:")
      for (const line of s.logs.split("\n").slice(-shownLogLines)) lines.push(`      | ${line}`)
    }
  }
  const count = (o: ServiceResult["outcome"]) => changes.services.filter((s) => s.outcome === o).length
  const failed = count("failed") + count("blocked") + count("rolled-back") + count("held")
  lines.push(
    `${failed > 0 ? `${failed} service(s) failed` : "Converged"}: ${count("created")} created, ${count("replaced") + count("adopted")} replaced, ${count("started")} started, ${count("removed")} removed, ${count("unchanged")} unchanged${count("completed") > 0 ? `, ${count("completed")} completed` : ""}${count("rolled-back") > 0 ? `, ${count("rolled-back")} rolled back` : ""}${count("suspended") > 0 ? `, ${count("suspended")} suspended` : ""}.`,
  )
  return lines.join("\n")
}
