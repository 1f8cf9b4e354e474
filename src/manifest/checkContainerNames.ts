import { containerName } from "../domain/labels.ts"
import type { Manifest } from "./Manifest.ts"
import { formatPath } from "./ManifestError.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"

/**
 * Two services of one fleet may not claim one container name, whether both fixed it
 * with `container_name` or one fixed the name another gets by default
 * (`<fleet>-<service>`): the engine would refuse the second, or worse, fleetd would
 * take one for the other. Reported at both places, each naming the other.
 */
export const checkContainerNames = (manifest: Manifest, fleet: string): ReadonlyArray<PathIssue> => {
  const issues: Array<PathIssue> = []
  const claims = new Map<string, ReadonlyArray<PropertyKey>>()
  const entries = Object.entries(manifest.services ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))
  const at = (name: string, fixed: boolean) =>
    fixed ? ["services", name, "container_name"] : ["services", name]
  for (const [name, service] of entries) {
    const fixed = service.container_name !== undefined
    const claimed = service.container_name ?? containerName(fleet, name)
    const path = at(name, fixed)
    const first = claims.get(claimed)
    if (first === undefined) {
      claims.set(claimed, path)
      continue
    }
    const message = (other: ReadonlyArray<PropertyKey>) =>
      `container name "${claimed}" is also claimed by ${formatPath(other)}`
    const hint = "rename one of them"
    const onKey = (p: ReadonlyArray<PropertyKey>) => p.length === 2
    issues.push(pathIssue(first, message(path), { hint, onKey: onKey(first) }))
    issues.push(pathIssue(path, message(first), { hint, onKey: onKey(path) }))
  }
  return issues
}
