/**
 * Relative paths in a file that is not the manifest itself (an `include`d file, the
 * base file of an `extends`) are relative to that file's project directory, as in
 * Compose. They are rewritten here, once, to be relative to the manifest's directory,
 * so every later stage (escape checks, the loader, normalization) sees one kind of
 * path. Works on the raw interpolated value, before the Schema: forms it does not
 * know are left as they are for the Schema to report.
 */

import { posix } from "node:path"
import { parseShortVolume } from "./compose/volumeSpec.ts"
import { isMapping, type Mapping } from "./composeSupport.ts"

/** Host paths (`/…`), `~` paths and URLs (git build contexts) are not relative. */
const isRelative = (path: string): boolean =>
  !path.startsWith("/") &&
  !path.startsWith("~") &&
  !/^[a-z][a-z0-9+.-]*:\/\//i.test(path) &&
  !path.startsWith("git@")

/** `dir` + `path`, normalized; `..` segments that leave the repository are kept for the escape check. */
export const joinRelative = (dir: string, path: string): string => {
  if (!isRelative(path)) return path
  return posix.normalize(posix.join(dir, path))
}

/** The short volume form needs a leading `.` to stay a bind mount: `data` would name a volume. */
const bindSource = (dir: string, source: string): string => {
  const joined = joinRelative(dir, source)
  return joined.startsWith(".") ? joined : `./${joined}`
}

const rebaseVolumes = (volumes: unknown, dir: string): unknown => {
  if (!Array.isArray(volumes)) return volumes
  return volumes.map((volume) => {
    if (typeof volume === "string") {
      // Only `.`-relative sources are relative host paths in the short form; the rest
      // of the string (target, MODE) stays as written. One the parser refuses is left
      // for the Schema to report as the user wrote it.
      const parsed = parseShortVolume(volume)
      if (typeof parsed === "string" || parsed.source?.startsWith(".") !== true) return volume
      return `${bindSource(dir, parsed.source)}${volume.slice(parsed.source.length)}`
    }
    if (isMapping(volume) && volume.type === "bind" && typeof volume.source === "string")
      return { ...volume, source: joinRelative(dir, volume.source) }
    return volume
  })
}

const rebaseEnvFile = (envFile: unknown, dir: string): unknown => {
  if (typeof envFile === "string") return joinRelative(dir, envFile)
  if (!Array.isArray(envFile)) return envFile
  return envFile.map((entry) =>
    typeof entry === "string"
      ? joinRelative(dir, entry)
      : isMapping(entry) && typeof entry.path === "string"
        ? { ...entry, path: joinRelative(dir, entry.path) }
        : entry,
  )
}

const rebaseBuild = (build: unknown, dir: string): unknown => {
  if (typeof build === "string") return joinRelative(dir, build)
  if (isMapping(build))
    return { ...build, context: joinRelative(dir, typeof build.context === "string" ? build.context : ".") }
  return build
}

/** Rewrites one service's relative paths in place. */
export const rebaseService = (service: unknown, dir: string): void => {
  if (!isMapping(service) || dir === "" || dir === ".") return
  if ("env_file" in service) service.env_file = rebaseEnvFile(service.env_file, dir)
  if ("volumes" in service) service.volumes = rebaseVolumes(service.volumes, dir)
  if ("build" in service) service.build = rebaseBuild(service.build, dir)
  // Hook containers mount under the same rules as their service.
  const hooks = isMapping(service["x-fleetd"]) ? service["x-fleetd"].hooks : undefined
  if (isMapping(hooks))
    for (const steps of Object.values(hooks))
      if (Array.isArray(steps))
        for (const step of steps)
          if (isMapping(step) && isMapping(step.run) && "volumes" in step.run)
            step.run.volumes = rebaseVolumes(step.run.volumes, dir)
}

/** Rewrites the relative paths of a whole file's resources in place. */
export const rebasePaths = (value: Mapping, dir: string): void => {
  if (dir === "" || dir === ".") return
  if (isMapping(value.services))
    for (const service of Object.values(value.services)) rebaseService(service, dir)
  for (const section of ["secrets", "configs"])
    if (isMapping(value[section]))
      for (const entry of Object.values(value[section]))
        if (isMapping(entry) && typeof entry.file === "string") entry.file = joinRelative(dir, entry.file)
}
