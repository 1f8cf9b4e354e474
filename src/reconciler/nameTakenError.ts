import { Effect } from "effect"
import type { DesiredService } from "../domain/DesiredState.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import { ActionError } from "./ActionError.ts"

/**
 * Why a service could not take its container name, for the service's reason. Container
 * names are per engine, not per fleet: two fleets (two sources of one daemon, two
 * projects, two daemons) whose services share a `container_name` collide here, and the
 * holder's `fleetd.fleet` label says which fleet to look at. Without the label the holder
 * is a container fleetd did not make.
 */
export const nameTakenMessage = (name: string, holderFleet: string | undefined): string =>
  holderFleet === undefined
    ? `the container name ${name} is taken by a container fleetd does not manage; rename or remove that container, or rename the service`
    : `the container name ${name} is taken by a container of fleet ${holderFleet}, which another fleetd source, project or process manages (container names are shared by every fleet on an engine); give one of the two services another container_name`

/** The failure of a service whose name another container holds; the holder is looked up, never touched. */
export const nameTakenError = (service: DesiredService) =>
  Effect.gen(function* () {
    const engine = yield* ContainerEngine
    // If the holder cannot be inspected (gone meanwhile, engine error), the plain message stands.
    const holder = yield* engine.inspectContainer(service.containerName).pipe(Effect.option)
    const fleet = holder._tag === "Some" ? holder.value.fleet : undefined
    return new ActionError({ service: service.name, message: nameTakenMessage(service.containerName, fleet) })
  })
