import { readFileSync } from "node:fs"

/**
 * The id of the container this process runs in, as the engine exposes it inside: Podman
 * writes it to /run/.containerenv (rootful), Docker bind-mounts the container's own
 * hostname, hosts and resolv.conf files from `.../containers/<id>/`, which mountinfo
 * lists. Best effort: undefined outside a container or when neither says; then only
 * `x-fleetd.self` marks fleetd's own service (docs/self-update.md).
 */
export const ownContainerId = (
  read: (path: string) => string = (p) => readFileSync(p, "utf8"),
): string | undefined => {
  const attempt = (path: string, pattern: RegExp) => {
    try {
      return pattern.exec(read(path))?.[1]
    } catch {
      return undefined
    }
  }
  return (
    attempt("/run/.containerenv", /^id="([0-9a-f]{64})"/m) ??
    attempt("/proc/self/mountinfo", /\/containers\/([0-9a-f]{64})\/(?:hostname|hosts|resolv\.conf)\s/)
  )
}
