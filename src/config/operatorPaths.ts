/**
 * Checks on what the operator gives fleetd (flags, variables, the config file), pure
 * or reading only the host's file system, returning the problem as text so each caller
 * says where it came from (`--listen`, `fleetd.yaml:4:11`).
 */
import { realpathSync, statSync } from "node:fs"
import { join } from "node:path"

/** HOST:PORT (`[::1]:8080` for IPv6; an empty host is every address), or undefined. */
export const parseListenAddress = (value: string): { host: string; port: number } | undefined => {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:]*)):(\d{1,5})$/.exec(value)
  const port = Number(match?.[3])
  if (match === null || port > 65535) return undefined
  return { host: match[1] ?? (match[2] || "0.0.0.0"), port }
}

export const listenHint = "must be HOST:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080"

/**
 * A local-files directory must exist, and not lie inside fleetd's checkouts, which every
 * sync cleans: the files it holds are the ones that must survive. Given an absolute
 * path; answers its real path (the loader reports the files found there, the daemon
 * watches those) or why it cannot be used.
 */
export const checkLocalFilesDir = (
  dir: string,
  dataDir: string,
): { readonly dir: string } | { readonly problem: string } => {
  let isDirectory: boolean
  try {
    isDirectory = statSync(dir).isDirectory()
  } catch {
    return { problem: `${dir} does not exist: create it, or leave the setting out` }
  }
  if (!isDirectory) return { problem: `${dir} is not a directory` }
  const checkouts = join(dataDir, "checkout")
  if (dir === checkouts || dir.startsWith(`${checkouts}/`))
    return { problem: `${dir} is inside fleetd's checkouts (${checkouts}), which every sync cleans` }
  return { dir: realpathSync(dir) }
}

/** `FLEETD_PUBLIC_URL` / `public_url`: an http(s) address, as users open the daemon. */
export const publicUrlPattern = /^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/
