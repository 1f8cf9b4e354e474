import type { ContainerSpec } from "../../src/domain/ContainerSpec.ts"
import { containerLabels } from "../../src/domain/containerLabels.ts"
import type {
  DesiredNetwork,
  DesiredService,
  DesiredState,
  DesiredVolume,
} from "../../src/domain/DesiredState.ts"
import { containerName } from "../../src/domain/labels.ts"
import type { ObservedContainer } from "../../src/domain/ObservedState.ts"
import { configHash, specHash } from "../../src/domain/specHash.ts"

/** Builders for planner and reconciler tests: terse, with every field defaulted. */
export const spec = (overrides: Partial<ContainerSpec> = {}): ContainerSpec => ({
  image: "fleetd-test/app:v1",
  env: [],
  ports: [],
  mounts: [],
  networks: [],
  labels: {},
  restart: "no",
  readOnly: false,
  tmpfs: {},
  init: false,
  extraHosts: [],
  ...overrides,
})

export const service = (
  name: string,
  overrides: Partial<ContainerSpec> = {},
  extra: Partial<Omit<DesiredService, "spec" | "configHash">> = {},
  fleet = "t",
): DesiredService => {
  const s = spec(overrides)
  return {
    name,
    containerName: containerName(fleet, name),
    spec: s,
    dependsOn: [],
    pullPolicy: "missing",
    configHash: configHash(s, []),
    fixedHostPorts: s.ports.some((p) => p.published !== undefined),
    // No min_ready wait by default: most reconciler tests run on the test clock.
    update: { healthTimeoutMs: 60_000, minReadyMs: 0, rollback: true },
    ...extra,
  }
}

export const desired = (services: ReadonlyArray<DesiredService>, fleet = "t"): DesiredState => ({
  fleet,
  services,
  networks: [],
  volumes: [],
})

export const imageIds: Record<string, string> = {
  "fleetd-test/app:v1": "sha256:aaaa",
  "fleetd-test/app:v2": "sha256:bbbb",
}

export const images = Object.entries(imageIds).map(([ref, id]) => ({ id, refs: [ref] }))

/** The container fleetd would have created for `svc`, as the engine lists it. */
export const running = (
  svc: DesiredService,
  overrides: Partial<ObservedContainer> = {},
  fleet = "t",
): ObservedContainer => {
  const imageId = imageIds[svc.spec.image] ?? "sha256:unknown"
  return {
    id: `id-${svc.containerName}`,
    name: svc.containerName,
    labels: containerLabels(fleet, svc, specHash(svc.configHash, imageId), imageId, "rev1"),
    state: "running",
    imageId,
    networks: svc.spec.networks.map((n) => n.name),
    volumes: svc.spec.mounts.flatMap((m) => (m.type === "volume" ? [m.source] : [])),
    ...overrides,
  }
}

/** A desired network of fleet `t` (engine name `t_<key>`). */
export const net = (key: string, extra: Partial<DesiredNetwork> = {}): DesiredNetwork => ({
  key,
  name: `t_${key}`,
  driver: "bridge",
  internal: false,
  labels: {},
  external: false,
  ...extra,
})

/** A desired volume of fleet `t` (engine name `t_<key>`). */
export const vol = (key: string, extra: Partial<DesiredVolume> = {}): DesiredVolume => ({
  key,
  name: `t_${key}`,
  driver: "local",
  labels: {},
  external: false,
  ...extra,
})
