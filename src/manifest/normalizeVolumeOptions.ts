/**
 * Service volume options → MountOptions, with compose-go's meaning: the short syntax's
 * MODE (`ro,z`, `rshared`, `nocopy`) and the long syntax's `bind.propagation`,
 * `bind.selinux`, `volume.nocopy`, `volume.subpath`. What Compose ignores on Linux
 * (`consistency`) is accepted with a warning; what cannot apply to the mount's type is
 * an error at its position.
 */
import type { Mount, MountOptions } from "../domain/ContainerSpec.ts"
import type { Service } from "./Manifest.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

export const normalizeVolumeOptions = (
  name: string,
  service: Service,
): {
  /** The mount with its options, by target. */
  readonly apply: (mount: Mount) => Mount
  readonly issues: ReadonlyArray<PathIssue>
  readonly warnings: ReadonlyArray<PathIssue>
} => {
  const issues: Array<PathIssue> = []
  const warnings: Array<PathIssue> = []
  const byTarget = new Map<string, MountOptions>()
  for (const [i, volume] of (service.volumes ?? []).entries()) {
    const at = ["services", name, "volumes", i]
    const options: Mutable<MountOptions> = {}
    const { type, consistency } = volume
    if (volume.bind?.propagation !== undefined) options.propagation = volume.bind.propagation
    if (volume.bind?.selinux !== undefined) options.selinux = volume.bind.selinux
    if (volume.volume?.nocopy === true) options.noCopy = true
    if (volume.volume?.subpath !== undefined) options.subpath = volume.volume.subpath
    // The short syntax's MODE reads into bind/volume whatever the type, as compose-go
    // does; only blocks written out in the long syntax must match it.
    if (volume.short !== true) {
      if (volume.bind !== undefined && type !== "bind")
        issues.push(pathIssue([...at, "bind"], `bind options apply to type: bind, not ${type}`))
      if (volume.volume !== undefined && type !== "volume")
        issues.push(pathIssue([...at, "volume"], `volume options apply to type: volume, not ${type}`))
    }
    byTarget.set(volume.target, options)
    if (consistency !== undefined)
      warnings.push(
        pathIssue(
          at,
          `consistency ${consistency} only means something to Docker Desktop; ignored, as docker compose does on Linux`,
        ),
      )
    if (options.noCopy === true && type === "bind")
      issues.push(pathIssue(at, "nocopy applies to volumes, not to a bind mount"))
    if (options.propagation !== undefined && type !== "bind")
      issues.push(
        pathIssue(at, `propagation ${options.propagation} applies to bind mounts, not to a ${type}`),
      )
  }
  return {
    apply: (mount) => ({ ...mount, ...byTarget.get(mount.target) }),
    issues,
    warnings,
  }
}
