import type { Manifest } from "./Manifest.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"

/**
 * `x-fleetd.self` (docs/self-update.md): at most one service of a fleet runs fleetd
 * itself, and its standby must be able to run beside it. With `network_mode: host` the
 * standby would listen on the very address the running fleetd holds. Hooks are refused
 * rather than ignored: a handover (handOver.ts) runs none.
 */
export const checkSelfService = (manifest: Manifest): Array<PathIssue> => {
  const selves = Object.entries(manifest.services ?? {})
    .filter(([, s]) => s["x-fleetd"]?.self === true)
    .sort(([a], [b]) => (a < b ? -1 : 1))
  const issues: Array<PathIssue> = []
  for (const [name, service] of selves) {
    const at = ["services", name, "x-fleetd", "self"]
    if (selves.length > 1)
      issues.push(
        pathIssue(
          at,
          `x-fleetd.self is set on ${selves.map(([n]) => n).join(" and ")}: only one service runs fleetd`,
        ),
      )
    if (service.network_mode === "host")
      issues.push(
        pathIssue(at, "x-fleetd.self cannot go with network_mode: host", {
          hint: "a standby fleetd must run beside the old one during a handover; publish the port from a bridge network instead",
        }),
      )
    if (service["x-fleetd"]?.hooks !== undefined)
      issues.push(
        pathIssue(at, "x-fleetd.self cannot go with x-fleetd.hooks: a handover runs no hooks", {
          hint: "run such steps from another service, or from the new fleetd's image itself",
        }),
      )
  }
  return issues
}
