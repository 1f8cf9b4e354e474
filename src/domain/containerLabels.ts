import type { DesiredService } from "./DesiredState.ts"
import { Labels } from "./labels.ts"
import { canonicalJson } from "./specHash.ts"
import { specSummary } from "./specSummary.ts"

/**
 * fleetd's own labels for a service's container. The planner reads exactly these back
 * (ownership, hashes, the field summary for diffs), so they are built in one place.
 */
export const containerLabels = (
  fleet: string,
  service: DesiredService,
  specHash: string,
  imageId: string | undefined,
  revision: string,
): Readonly<Record<string, string>> => ({
  [Labels.fleet]: fleet,
  [Labels.service]: service.name,
  [Labels.specHash]: specHash,
  [Labels.configHash]: service.configHash,
  [Labels.imageId]: imageId ?? "",
  [Labels.revision]: revision,
  [Labels.spec]: canonicalJson(specSummary(service.spec)),
  ...service.ownerLabels,
})
