import type { ContainerSpec } from "../domain/ContainerSpec.ts"
import { compareApiVersions } from "./negotiateApiVersion.ts"
import type { EngineTarget } from "./networkingBody.ts"

/** The API version that added Healthcheck.StartInterval (Docker 25). */
export const startIntervalApi = "1.44"

/**
 * What `engine` will not honour in `spec`, one warning per field, measured on Docker
 * 20.10 (API 1.41) and Podman 4.3 (docs/limitations.md). The fields are still sent
 * where the engine accepts them (a newer engine may honour them), except
 * StartInterval, which toCreateBody leaves out below API 1.44 as the moby client
 * requires. Pure; part of toCreateBody's warnings, logged at create.
 */
export const engineGaps = (spec: ContainerSpec, engine: EngineTarget): ReadonlyArray<string> => {
  const gaps: Array<string> = []
  if (
    spec.healthcheck?.startIntervalNs !== undefined &&
    compareApiVersions(engine.apiVersion, startIntervalApi) < 0
  )
    gaps.push(
      `healthcheck.start_interval needs Engine API ${startIntervalApi} (this engine speaks ${engine.apiVersion}); left out, the check runs at its interval from the start`,
    )
  if (engine.kind === "podman") {
    if (spec.deviceRequests !== undefined)
      gaps.push(
        `gpus / deploy.resources.reservations.devices: Podman ignores device requests on its Docker API; the container gets no such device`,
      )
    if (spec.deviceCgroupRules !== undefined)
      gaps.push(
        `device_cgroup_rules: Podman ignores them on its Docker API; the container's device cgroup is the default one`,
      )
    if (spec.platform !== undefined)
      gaps.push(
        `platform ${spec.platform}: Podman ignores it on its Docker API; the local image is used whatever its platform`,
      )
  }
  return gaps
}
