/**
 * Service volume options → MountOptions, with compose-go's meaning: the short syntax's
 * MODE (`ro,z`, `rshared`, `nocopy`) and the long syntax's `bind.propagation`,
 * `bind.selinux`, `volume.nocopy`, `volume.subpath`. What Compose ignores on Linux
 * (`consistency`) is accepted with a warning; what cannot apply to the mount's type is
 * an error at its position.
 */
import type { Mount, MountOptions } from "../domain/ContainerSpec.ts"
import { parseShortVolume } from "./compose/volumeSpec.ts"
import type { Service } from "./Manifest.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
const propagations = new Set(["rprivate", "private", "rshared", "shared", "rslave", "slave"])
const consistencies = new Set(["cached", "delegated", "consistent"])

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
    let type: string
    let consistency: string | undefined
    if (typeof volume === "string") {
      const short = parseShortVolume(volume)
      if (typeof short === "string") continue // reported by the Schema
      type = short.type
      for (const o of short.options ?? []) {
        if (o === "z" || o === "Z") options.selinux = o
        else if (o === "nocopy") options.noCopy = true
        else if (propagations.has(o)) options.propagation = o
        else if (consistencies.has(o)) consistency = o
      }
      byTarget.set(short.target, options)
    } else {
      type = volume.type
      if (volume.bind?.propagation !== undefined) options.propagation = volume.bind.propagation
      if (volume.bind?.selinux !== undefined) options.selinux = volume.bind.selinux
      if (volume.volume?.nocopy === true) options.noCopy = true
      if (volume.volume?.subpath !== undefined) options.subpath = volume.volume.subpath
      consistency = volume.consistency
      if (volume.bind !== undefined && type !== "bind")
        issues.push(pathIssue([...at, "bind"], `bind options apply to type: bind, not ${type}`))
      if (volume.volume !== undefined && type !== "volume")
        issues.push(pathIssue([...at, "volume"], `volume options apply to type: volume, not ${type}`))
      byTarget.set(volume.target, options)
    }
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
