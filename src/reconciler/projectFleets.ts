/**
 * What reconciling projects adds to reconciling one fleet: the ownership labels that tie
 * a project's containers to its source and directory, one observation of the engine for
 * all projects, and the removal of an orphaned project's fleet.
 */
import { Effect } from "effect"
import type { DesiredState } from "../domain/DesiredState.ts"
import { Labels } from "../domain/labels.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import { type CurrentProject, orphanedFleets } from "../planner/orphanedFleets.ts"
import { reconcile } from "./reconcile.ts"
import { retryEngine } from "./retryEngine.ts"

/** The project's desired state with its containers labelled as the project's. */
export const asProject = (desired: DesiredState, source: string, dir: string): DesiredState => ({
  ...desired,
  services: desired.services.map((s) => ({
    ...s,
    ownerLabels: { ...s.ownerLabels, [Labels.project]: dir, [Labels.projectSource]: source },
  })),
})

/**
 * Every managed container and the image list, in two concurrent calls: enough to plan
 * every project (through sharedListings) and to find the orphaned ones.
 */
export const observeProjects = (source: string, projects: ReadonlyArray<CurrentProject>) =>
  Effect.gen(function* () {
    const engine = yield* ContainerEngine
    const [managed, images] = yield* Effect.all(
      [retryEngine(engine.listManagedContainers), retryEngine(engine.listImages)],
      { concurrency: 2 },
    )
    return { managed, images, orphaned: orphanedFleets(managed, source, projects) }
  })

/** Removes an orphaned project's containers and networks (volumes are kept, as `compose down` keeps them). */
export const pruneFleet = (fleet: string, revision: string, concurrency: number) =>
  reconcile({ fleet, services: [], networks: [], volumes: [] }, { revision, allowEmpty: true, concurrency })
