import type { Manifest, Service } from "./Manifest.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"

/**
 * The profiles enabled for a load: `--profile` flags when given, else COMPOSE_PROFILES
 * (comma-separated; read like Compose from the environment, then `.env`).
 */
export const enabledProfiles = (
  flags: ReadonlyArray<string> | undefined,
  lookup: (name: string) => string | undefined,
): ReadonlyArray<string> =>
  flags !== undefined && flags.length > 0
    ? flags
    : (lookup("COMPOSE_PROFILES") ?? "")
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p !== "")

/** Compose's rule: no `profiles` means always active; `*` enables every profile. */
const isActive = (service: Service, enabled: ReadonlyArray<string>): boolean =>
  service.profiles === undefined ||
  service.profiles.length === 0 ||
  enabled.includes("*") ||
  service.profiles.some((p) => enabled.includes(p))

/**
 * Compose profiles: a service with `profiles` is active only when one of them is
 * enabled. Inactive services are taken out of the manifest before any check, as if
 * not written: never created, and removed like a service that left the manifest.
 * An active service that requires an inactive one (depends_on, network_mode
 * service:, volumes_from) is an error, as Compose refuses such a project ("depends on
 * undefined service"); a `required: false` dependency on one is dropped.
 */
export const activeServices = (
  manifest: Manifest,
  enabled: ReadonlyArray<string>,
): { readonly manifest: Manifest; readonly issues: ReadonlyArray<PathIssue> } => {
  const all = manifest.services ?? {}
  const inactive = new Map(
    Object.entries(all).flatMap(([name, s]) =>
      isActive(s, enabled) ? [] : [[name, s.profiles ?? []] as const],
    ),
  )
  if (inactive.size === 0) return { manifest, issues: [] }
  const issues: Array<PathIssue> = []
  const refuse = (path: ReadonlyArray<PropertyKey>, target: string, onKey = false) =>
    issues.push(
      pathIssue(
        path,
        `needs service "${target}", which is not active: none of its profiles (${inactive.get(target)?.join(", ")}) is enabled`,
        {
          onKey,
          hint: "enable one with --profile or COMPOSE_PROFILES, or make the dependency required: false",
        },
      ),
    )
  const services: Record<string, Service> = {}
  for (const [name, service] of Object.entries(all)) {
    if (inactive.has(name)) continue
    const at = ["services", name]
    const kept: Record<string, unknown> = { ...service }
    if (service.depends_on !== undefined) {
      for (const d of service.depends_on)
        if (inactive.has(d.service) && d.required)
          refuse([...at, "depends_on", d.at], d.service, typeof d.at === "string")
      kept["depends_on"] = service.depends_on.filter((d) => !inactive.has(d.service))
    }
    const mode = service.network_mode
    if (mode?.startsWith("service:") === true && inactive.has(mode.slice(8))) {
      refuse([...at, "network_mode"], mode.slice(8))
      delete kept["network_mode"]
    }
    if (service.volumes_from !== undefined) {
      service.volumes_from.forEach((entry, i) => {
        const source = entry.split(":")[0] ?? ""
        if (!entry.startsWith("container:") && inactive.has(source))
          refuse([...at, "volumes_from", i], source)
      })
      kept["volumes_from"] = service.volumes_from.filter(
        (e) => e.startsWith("container:") || !inactive.has(e.split(":")[0] ?? ""),
      )
    }
    services[name] = kept as Service
  }
  return { manifest: { ...manifest, services }, issues }
}
