/**
 * Host path rules for the operator policy. Paths are compared by components after
 * lexical normalization, never as strings: `/srv/media` covers `/srv/media/x` but not
 * `/srv/mediaevil`. A path that still holds `..` is never matched by anything, so a
 * manifest cannot climb out of an allowed prefix.
 */
import { posix } from "node:path"

/** `/srv//media/./x/` → `/srv/media/x`; undefined for relative paths and any `..`. */
export const normalizeHostPath = (path: string): string | undefined => {
  if (!path.startsWith("/") || path.split("/").includes("..")) return undefined
  const normalized = posix.normalize(path)
  return normalized.length > 1 ? normalized.replace(/\/+$/, "") : normalized
}

/** True when `path` is `prefix` or below it, component by component. */
export const isUnderPrefix = (path: string, prefix: string): boolean => {
  const p = normalizeHostPath(path)
  const base = normalizeHostPath(prefix)
  if (p === undefined || base === undefined) return false
  return p === base || p.startsWith(base === "/" ? "/" : `${base}/`)
}

/** Where Docker and Podman listen by default (rootful); their parents expose them too. */
export const KnownEngineSockets: ReadonlyArray<string> = [
  "/var/run/docker.sock",
  "/run/docker.sock",
  "/run/podman/podman.sock",
  "/var/run/podman/podman.sock",
  "/run/containerd/containerd.sock",
  "/var/run/containerd/containerd.sock",
]

const socketNames = ["docker.sock", "podman.sock", "containerd.sock"]

/** The socket file itself: a known socket path, or any path ending in `docker.sock` etc. */
export const isEngineSocket = (path: string): boolean => {
  const p = normalizeHostPath(path) ?? posix.normalize(path)
  return socketNames.some((s) => p.endsWith(s)) || KnownEngineSockets.includes(p)
}

/**
 * Whether binding `path` hands the container an engine socket: the socket itself, any
 * file named like one, or a directory that contains a known one (`/run`, `/var/run`,
 * `/`). Whoever holds the socket can start a privileged container: root on the host.
 */
export const exposesEngineSocket = (path: string): boolean => {
  const p = normalizeHostPath(path) ?? posix.normalize(path)
  return isEngineSocket(p) || KnownEngineSockets.some((socket) => isUnderPrefix(socket, p))
}
