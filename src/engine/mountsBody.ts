import type { Mount } from "../domain/ContainerSpec.ts"
import { compareApiVersions } from "./negotiateApiVersion.ts"
import type { EngineTarget } from "./networkingBody.ts"

/** One entry of HostConfig.Mounts. */
export interface MountBody {
  readonly Type: "bind" | "volume"
  /** "" for an anonymous volume. */
  readonly Source: string
  readonly Target: string
  readonly ReadOnly: boolean
  readonly BindOptions?: { readonly Propagation: string }
  readonly VolumeOptions?: { readonly NoCopy?: boolean; readonly Subpath?: string }
}

const subpathApi = "1.45"

const toMount = (mount: Mount): MountBody => {
  const volumeOptions = {
    ...(mount.noCopy === true ? { NoCopy: true } : {}),
    ...(mount.subpath === undefined ? {} : { Subpath: mount.subpath }),
  }
  return {
    Type: mount.type === "anonymous" ? "volume" : mount.type,
    Source: mount.type === "anonymous" ? "" : mount.source,
    Target: mount.target,
    ReadOnly: mount.readOnly,
    ...(mount.propagation === undefined ? {} : { BindOptions: { Propagation: mount.propagation } }),
    ...(Object.keys(volumeOptions).length === 0 ? {} : { VolumeOptions: volumeOptions }),
  }
}

/**
 * A mount with an SELinux label (`z`, `Z`) goes in the legacy Binds form, the only one
 * that carries it (and on Podman a `nocopy` volume, which its Mounts ignore), written as docker compose writes it (`SOURCE:TARGET:rw,z[,propagation][,nocopy]`);
 * every other mount in Mounts. A subpath needs API 1.45: an older engine would mount
 * the whole volume instead, so the create is refused.
 */
export const mountsBody = (
  mounts: ReadonlyArray<Mount>,
  engine: EngineTarget,
): { readonly mounts: Array<MountBody>; readonly binds: Array<string>; readonly errors: Array<string> } => {
  const errors: Array<string> = []
  const binds: Array<string> = []
  const rest: Array<MountBody> = []
  for (const m of mounts) {
    if (m.subpath !== undefined && compareApiVersions(engine.apiVersion, subpathApi) < 0)
      errors.push(
        `volume.subpath (${m.target}) needs Engine API ${subpathApi} (Docker 26+); this ${engine.kind} speaks ${engine.apiVersion}`,
      )
    // Podman 4.3 ignores VolumeOptions.NoCopy in Mounts but honours `nocopy` in Binds.
    const viaBinds = m.selinux !== undefined || (engine.kind === "podman" && m.noCopy === true)
    if (!viaBinds || m.type === "anonymous") rest.push(toMount(m))
    else {
      const options = [
        m.readOnly ? "ro" : "rw",
        m.selinux,
        m.propagation,
        m.noCopy === true ? "nocopy" : undefined,
      ]
      binds.push(`${m.source}:${m.target}:${options.filter((o) => o !== undefined).join(",")}`)
    }
  }
  return { mounts: rest, binds, errors }
}
