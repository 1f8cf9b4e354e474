/**
 * Decoded manifest → DesiredState: the fleet's networks and volumes with their engine
 * names, and every service normalized. The implicit `default` network exists exactly
 * when some service joins it (as in Compose), so a fleet of `network_mode: host`
 * services creates no network.
 */

import type { DesiredNetwork, DesiredService, DesiredState, DesiredVolume } from "../domain/DesiredState.ts"
import { containerName } from "../domain/labels.ts"
import { checkSwarmNetworks } from "./checkSwarmFields.ts"
import type { KeyValueEntry } from "./compose/keyValues.ts"
import type { Manifest } from "./Manifest.ts"
import { normalizeHooks } from "./normalizeHooks.ts"
import { networkExtras } from "./normalizeNetworking.ts"
import { checkTopLevelOther } from "./normalizeOther.ts"
import { resolveFileObjects } from "./normalizeSecrets.ts"
import { type NormalizeContext, normalizeService } from "./normalizeService.ts"
import { normalizeFleetUpdate } from "./normalizeUpdate.ts"
import type { PathIssue } from "./PathIssue.ts"
import { externalName, isExternal } from "./schema/networkFields.ts"

const labelsOf = (labels: ReadonlyArray<KeyValueEntry> | undefined): Record<string, string> =>
  Object.fromEntries((labels ?? []).map((e) => [e.key, e.value ?? ""]))

const engineName = (
  fleet: string,
  key: string,
  entry: { name?: string; external?: boolean | { name?: string } } | null | undefined,
) => entry?.name ?? externalName(entry?.external) ?? (isExternal(entry?.external) ? key : `${fleet}_${key}`)

export const buildDesiredState = (
  manifest: Manifest,
  ctx: Omit<NormalizeContext, "networks" | "volumes" | "containerOf" | "target"> & {
    /** `--swarm` / FLEETD_SWARM: the swarm target whatever `x-fleetd.target` says. */
    readonly target?: "swarm" | undefined
  },
): { readonly desired: DesiredState; readonly issues: ReadonlyArray<PathIssue> } => {
  const { fleet } = ctx
  // The flag (or FLEETD_SWARM) chooses the swarm; without it the file does (docs/swarm.md).
  const swarm = ctx.target === "swarm" || manifest["x-fleetd"]?.target === "swarm"
  // Swarm services can only join swarm-scoped networks, so overlay is the default there (as in docker stack deploy).
  const defaultDriver = swarm ? "overlay" : "bridge"
  const declaredNetworks = Object.entries(manifest.networks ?? {})
  const services = Object.entries(manifest.services ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const usesDefault = services.some(
    ([, s]) =>
      s.network_mode === undefined &&
      (s.networks === undefined || s.networks.some((n) => n.network === "default")),
  )
  const networks: Array<DesiredNetwork> = declaredNetworks.map(([key, n]) => ({
    key,
    name: engineName(fleet, key, n),
    driver: n?.driver ?? defaultDriver,
    internal: n?.internal ?? false,
    labels: labelsOf(n?.labels),
    external: isExternal(n?.external),
    ...networkExtras(n),
  }))
  if (usesDefault && !networks.some((n) => n.key === "default"))
    networks.push({
      key: "default",
      name: `${fleet}_default`,
      driver: defaultDriver,
      internal: false,
      labels: {},
      external: false,
    })
  networks.sort((a, b) => (a.key < b.key ? -1 : 1))

  const volumes: Array<DesiredVolume> = Object.entries(manifest.volumes ?? {})
    .map(([key, v]) => ({
      key,
      name: engineName(fleet, key, v),
      driver: v?.driver ?? "local",
      ...(v?.driver_opts === undefined
        ? {}
        : { driverOpts: Object.fromEntries(Object.entries(v.driver_opts).map(([k, o]) => [k, String(o)])) }),
      labels: labelsOf(v?.labels),
      external: isExternal(v?.external),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : 1))

  const objects = resolveFileObjects(manifest, ctx)
  const updateDefaults = normalizeFleetUpdate(manifest)
  const { target: _, ...shared } = ctx
  const full: NormalizeContext = {
    ...shared,
    fileObjects: objects.objects,
    networks: new Map(networks.map((n) => [n.key, n.name])),
    volumes: new Map(volumes.map((v) => [v.key, v.name])),
    containerOf: (name) => manifest.services?.[name]?.container_name ?? containerName(fleet, name),
    ...(manifest["x-fleetd"]?.track === undefined ? {} : { track: manifest["x-fleetd"].track }),
    updateDefaults: updateDefaults.settings,
    ...(swarm ? { target: "swarm" as const } : {}),
  }
  const issues: Array<PathIssue> = [
    ...objects.issues,
    ...updateDefaults.issues,
    ...checkTopLevelOther(manifest),
    ...(swarm ? checkSwarmNetworks(manifest) : []),
  ]
  const desiredServices: Array<DesiredService> = services.map(([name, s]) => {
    const result = normalizeService(name, s, full)
    issues.push(...result.issues)
    // Hooks stay outside normalizeService: they are not part of the service's spec or hash.
    const hooks = normalizeHooks(name, s, full)
    issues.push(...hooks.issues)
    return hooks.hooks === undefined ? result.service : { ...result.service, hooks: hooks.hooks }
  })
  const pruneVolumes = manifest["x-fleetd"]?.prune_volumes === true
  return {
    desired: {
      fleet,
      services: desiredServices,
      networks,
      volumes,
      ...(pruneVolumes ? { pruneVolumes } : {}),
      ...(swarm ? { target: "swarm" as const } : {}),
    },
    issues,
  }
}
