import type { ObservedPort } from "./ObservedState.ts"

/**
 * A port as `docker ps` writes it: `127.0.0.1:8080 → 80/tcp`, `[::]:8080 → 80/tcp`, or
 * `9000/tcp` for a port only exposed. No host address (Podman) means all of them.
 * Shared by the page and `fleetd status`.
 */
export const portText = (p: ObservedPort): string => {
  const target = `${p.containerPort}/${p.protocol}`
  if (p.hostPort === undefined) return target
  const ip = p.hostIp ?? "0.0.0.0"
  return `${ip.includes(":") ? `[${ip}]` : ip}:${p.hostPort} → ${target}`
}
