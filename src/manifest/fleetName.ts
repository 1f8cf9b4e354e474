/**
 * The fleet's name prefixes every container, network and volume fleetd owns, so it
 * must be a valid engine name. Chosen as Compose chooses a project name: explicit
 * option, else `name:` in the manifest, else the directory name normalized.
 */
import { fleetNamePattern } from "./checkManifest.ts"

/** Compose's normalization of a directory name: lowercase, other characters dropped. */
export const normalizeFleetName = (dirName: string): string =>
  dirName
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "")
    .replace(/^[_-]+/, "")

export type FleetNameSource = "option" | "manifest" | "directory"

export const chooseFleetName = (
  option: string | undefined,
  manifestName: string | undefined,
  dirName: string,
): { readonly name: string; readonly source: FleetNameSource; readonly error?: string } => {
  const [name, source]: [string, FleetNameSource] =
    option !== undefined
      ? [option, "option"]
      : manifestName !== undefined
        ? [manifestName, "manifest"]
        : [normalizeFleetName(dirName), "directory"]
  if (fleetNamePattern.test(name)) return { name, source }
  const error =
    source === "directory"
      ? `cannot derive a fleet name from the directory "${dirName}"; set name: in the manifest`
      : `fleet name "${name}" must match ${fleetNamePattern.source} (lowercase letters, digits, _ and -)`
  return { name, source, error }
}
