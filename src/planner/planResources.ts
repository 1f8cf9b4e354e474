import type { Action, NetworkAttachment } from "../domain/Action.ts"
import type { DesiredNetwork, DesiredState, DesiredVolume } from "../domain/DesiredState.ts"
import { Labels } from "../domain/labels.ts"
import type { ObservedContainer, ObservedResource, ObservedState } from "../domain/ObservedState.ts"
import { networkHash, volumeHash } from "../domain/resourceHash.ts"
import { compareNames } from "./orderServices.ts"

export interface ResourcePlan {
  /** Before any container changes: checks, creations, recreations. */
  readonly setup: ReadonlyArray<Action>
  /** After the orphan containers are gone: removals, kept volumes, blocked resources. */
  readonly teardown: ReadonlyArray<Action>
}

const byName = <A extends { readonly name: string }>(a: A, b: A) => compareNames(a.name, b.name)

/**
 * Networks and volumes. `owned` are this fleet's containers. Without a listing of the
 * fleet's networks and volumes (`observed.networks` absent) only what no container
 * evidences is planned, as created (the reconciler then lists and plans again); with
 * one, specs are compared by their hash label and what left the manifest is removed
 * (volumes only with prune_volumes). Resources without our fleet label never appear
 * in a listing, so they can never be removed here.
 */
export const planResources = (
  desired: DesiredState,
  observed: ObservedState,
  owned: ReadonlyArray<ObservedContainer>,
): ResourcePlan => {
  const setup: Array<Action> = []
  const teardown: Array<Action> = []
  const attachedNetworks = new Set(owned.flatMap((c) => c.networks))
  const mountedVolumes = new Set(owned.flatMap((c) => c.volumes))
  const users = (match: (s: DesiredState["services"][number]) => boolean) =>
    desired.services.filter(match).map((s) => s.name)

  const listedNetworks = new Map((observed.networks ?? []).map((n) => [n.name, n]))
  for (const network of [...desired.networks].sort(byName)) {
    const evidenced = attachedNetworks.has(network.name)
    if (network.external) {
      if (!evidenced)
        setup.push({
          _tag: "CheckExternal",
          kind: "network",
          name: network.name,
          services: users((s) => s.spec.networks.some((n) => n.name === network.name)),
        })
      continue
    }
    const found = listedNetworks.get(network.name)
    if (observed.networks === undefined ? !evidenced : found === undefined)
      setup.push({ _tag: "CreateNetwork", network })
    else if (found !== undefined && networkChanged(network, found))
      setup.push(recreate(desired, network, found, owned))
  }

  const listedVolumes = new Map((observed.volumes ?? []).map((v) => [v.name, v]))
  for (const volume of [...desired.volumes].sort(byName)) {
    const evidenced = mountedVolumes.has(volume.name)
    const mounting = users((s) => s.spec.mounts.some((m) => m.type === "volume" && m.source === volume.name))
    if (volume.external) {
      if (!evidenced)
        setup.push({ _tag: "CheckExternal", kind: "volume", name: volume.name, services: mounting })
      continue
    }
    const found = listedVolumes.get(volume.name)
    if (observed.volumes === undefined ? !evidenced : found === undefined)
      setup.push({ _tag: "CreateVolume", volume })
    else if (found !== undefined && volumeChanged(volume, found))
      teardown.push({
        _tag: "ResourceBlocked",
        kind: "volume",
        name: volume.name,
        reason: `its driver, driver_opts or labels changed; fleetd never recreates a volume (its data would be lost). ${mounting.length > 0 ? `${mounting.join(", ")} keep using it as it is. ` : ""}To apply the change, move the data and remove the volume by hand (fleetd then creates it anew), or give the volume a new name`,
      })
  }

  const wantedNetworks = new Set(desired.networks.map((n) => n.name))
  for (const network of [...(observed.networks ?? [])].sort(byName)) {
    if (wantedNetworks.has(network.name)) continue
    const suspended = suspendedOn(desired, owned, network.name)
    teardown.push(
      suspended.length > 0
        ? {
            _tag: "ResourceBlocked",
            kind: "network",
            name: network.name,
            reason: `it left the manifest, but suspended ${suspended.join(", ")} still use it; resume them to remove it`,
          }
        : { _tag: "RemoveNetwork", id: network.id, name: network.name },
    )
  }
  const wantedVolumes = new Set(desired.volumes.map((v) => v.name))
  for (const volume of [...(observed.volumes ?? [])].sort(byName)) {
    if (wantedVolumes.has(volume.name)) continue
    teardown.push(
      desired.pruneVolumes === true
        ? { _tag: "RemoveVolume", name: volume.name }
        : { _tag: "KeepVolume", name: volume.name },
    )
  }
  return { setup, teardown }
}

/**
 * A network made before fleetd labelled specs (no hash label) is compared on what the
 * listing shows, driver and internal, so an upgrade does not recreate every network.
 */
const networkChanged = (network: DesiredNetwork, found: ObservedResource): boolean => {
  const recorded = found.labels[Labels.specHash]
  return recorded === undefined
    ? found.driver !== network.driver || (found.internal ?? false) !== network.internal
    : recorded !== networkHash(network)
}

/** Same for volumes: without a hash label, only the driver is compared. */
const volumeChanged = (volume: DesiredVolume, found: ObservedResource): boolean => {
  const recorded = found.labels[Labels.specHash]
  return recorded === undefined ? found.driver !== volume.driver : recorded !== volumeHash(volume)
}

/** Services that are suspended and whose container is attached to `network`. */
const suspendedOn = (
  desired: DesiredState,
  owned: ReadonlyArray<ObservedContainer>,
  network: string,
): ReadonlyArray<string> => {
  const suspended = new Set(desired.services.filter((s) => s.suspended !== undefined).map((s) => s.name))
  return [
    ...new Set(
      owned
        .filter((c) => c.networks.includes(network) && suspended.has(c.labels[Labels.service] ?? ""))
        .map((c) => c.labels[Labels.service] ?? c.name),
    ),
  ].sort(compareNames)
}

/**
 * Recreating a network detaches its containers for a moment. Those of a suspended
 * service must not be touched, so then the network waits (blocked) until it is resumed.
 * Containers are connected again with the aliases their desired spec gives them on this
 * network; orphans and containers that no longer want it are only disconnected.
 */
const recreate = (
  desired: DesiredState,
  network: DesiredNetwork,
  found: ObservedResource,
  owned: ReadonlyArray<ObservedContainer>,
): Action => {
  const suspended = suspendedOn(desired, owned, network.name)
  if (suspended.length > 0)
    return {
      _tag: "ResourceBlocked",
      kind: "network",
      name: network.name,
      reason: `its spec changed, but recreating it would disconnect suspended ${suspended.join(", ")}; resume them to apply it`,
    }
  const services = new Map(desired.services.map((s) => [s.name, s]))
  const attached: Array<NetworkAttachment> = owned
    .filter((c) => c.networks.includes(network.name))
    .sort(byName)
    .map((c) => {
      const service = services.get(c.labels[Labels.service] ?? "")
      const attachment = service?.spec.networks.find((n) => n.name === network.name)
      const aliases = attachment?.aliases
      // Only when there is more than aliases (plans without these fields stay as they were),
      // and only for a container that stays: one about to be replaced must leave its static
      // address free for its replacement, so it gets a dynamic one meanwhile.
      const stays = service !== undefined && c.labels[Labels.configHash] === service.configHash
      const extras =
        stays &&
        attachment !== undefined &&
        (Object.keys(attachment).length > 2 || service?.spec.links !== undefined)
      return {
        containerId: c.id,
        containerName: c.name,
        ...(aliases === undefined ? {} : { aliases }),
        ...(extras && attachment !== undefined
          ? {
              endpoint: {
                attachment,
                ...(service?.spec.links === undefined ? {} : { links: service.spec.links }),
              },
            }
          : {}),
      }
    })
  return { _tag: "RecreateNetwork", network, id: found.id, attached }
}
