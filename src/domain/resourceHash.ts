import type { DesiredNetwork, DesiredState, DesiredVolume } from "./DesiredState.ts"
import { Labels } from "./labels.ts"
import { canonicalJson, sha256Hex } from "./specHash.ts"

/**
 * The `fleetd.spec-hash` label of a network: everything the engine fixes at creation
 * and cannot change afterwards, so a different hash means "remove and create again".
 * The key and `external` are left out: they do not change the engine object.
 */
export const networkHash = (network: DesiredNetwork): string =>
  sha256Hex(
    canonicalJson({
      driver: network.driver,
      internal: network.internal,
      labels: network.labels,
      // Unset (and so left out of the JSON) unless fleet.yaml gives them: older hashes stay.
      ipam: network.ipam,
      attachable: network.attachable,
      enableIpv6: network.enableIpv6,
      driverOpts: network.driverOpts,
    }),
  )

/** The `fleetd.spec-hash` label of a volume (driver, driver_opts, labels). */
export const volumeHash = (volume: DesiredVolume): string =>
  sha256Hex(
    canonicalJson({ driver: volume.driver, driverOpts: volume.driverOpts ?? {}, labels: volume.labels }),
  )

/**
 * fleetd's labels for a network or volume it creates: ownership, key and spec hash over
 * the user's labels. The planner reads exactly these back, so they are built here once.
 */
export const networkLabels = (fleet: string, network: DesiredNetwork): Readonly<Record<string, string>> => ({
  ...network.labels,
  [Labels.fleet]: fleet,
  [Labels.network]: network.key,
  [Labels.specHash]: networkHash(network),
})

export const volumeLabels = (fleet: string, volume: DesiredVolume): Readonly<Record<string, string>> => ({
  ...volume.labels,
  [Labels.fleet]: fleet,
  [Labels.volume]: volume.key,
  [Labels.specHash]: volumeHash(volume),
})

/**
 * Everything about the desired networks and volumes the planner decides on: when it is
 * unchanged since a pass that observed them and left nothing to do, the daemon need
 * not list them again (see ResourceMemo).
 */
export const resourcesKey = (desired: DesiredState): string =>
  sha256Hex(
    canonicalJson({
      fleet: desired.fleet,
      networks: desired.networks,
      volumes: desired.volumes,
      prune: desired.pruneVolumes === true,
    }),
  )
