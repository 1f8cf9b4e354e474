/**
 * Which fleets a set of projects left behind: a project directory that was removed (or
 * renamed its fleet) still has containers on the engine. Only containers that projects
 * mode created for this same source are candidates (`fleetd.project-source`), so other
 * repositories' fleets and fleets applied with `-f` are never orphans here; and a
 * directory that is still a project but failed to load protects its containers, since
 * its fleet's name is not known for sure. Pure.
 */
import { Labels } from "../domain/labels.ts"
import type { ObservedContainer } from "../domain/ObservedState.ts"

export interface OrphanedFleet {
  readonly fleet: string
  /** The directory the project was in, as its containers remember it. */
  readonly dir: string
  /** Container names, sorted. */
  readonly containers: ReadonlyArray<string>
}

export interface CurrentProject {
  readonly dir: string
  /** Undefined when the project failed to load. */
  readonly fleet: string | undefined
}

export const orphanedFleets = (
  managed: ReadonlyArray<ObservedContainer>,
  source: string,
  projects: ReadonlyArray<CurrentProject>,
): ReadonlyArray<OrphanedFleet> => {
  const fleets = new Set(projects.flatMap((p) => (p.fleet === undefined ? [] : [p.fleet])))
  const invalidDirs = new Set(projects.filter((p) => p.fleet === undefined).map((p) => p.dir))
  const found = new Map<string, { dir: string; containers: Array<string> }>()
  for (const c of managed) {
    const fleet = c.labels[Labels.fleet]
    const dir = c.labels[Labels.project] ?? ""
    if (fleet === undefined || c.labels[Labels.projectSource] !== source) continue
    if (fleets.has(fleet) || invalidDirs.has(dir)) continue
    const entry = found.get(fleet) ?? { dir, containers: [] }
    entry.containers.push(c.name)
    found.set(fleet, entry)
  }
  return [...found]
    .map(([fleet, { dir, containers }]) => ({ fleet, dir, containers: containers.sort() }))
    .sort((a, b) => a.fleet.localeCompare(b.fleet))
}
