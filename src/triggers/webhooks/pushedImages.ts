/**
 * Image pushes as triggers: what a registry or forge says was pushed, reduced to the
 * image references fleetd's services name (`normalizeImageRef`), so one comparison
 * decides whether any service tracks it.
 */
import { normalizeImageRef } from "../../domain/imageRef.ts"

/**
 * `host/repository:tag` as a service would write it, normalized; undefined when the
 * parts do not make a reference (an untagged push names no tag a service could follow).
 */
export const pushedImage = (host: string | undefined, repository: string, tag: string | undefined) => {
  if (tag === undefined || tag === "" || repository === "") return undefined
  const name = host === undefined || host === "" ? repository : `${host}/${repository}`
  return normalizeImageRef(`${name.toLowerCase()}:${tag}`)
}

/** The host of an http(s) URL or of a `host/path` reference, or undefined. */
export const hostOf = (url: string | undefined): string | undefined => {
  if (url === undefined || url === "") return undefined
  try {
    return new URL(url.includes("://") ? url : `https://${url}`).host || undefined
  } catch {
    return undefined
  }
}

/** Distinct references, in order: one push may be reported once per platform or per tag. */
export const distinct = (images: ReadonlyArray<string | undefined>): ReadonlyArray<string> => [
  ...new Set(images.filter((i): i is string => i !== undefined)),
]

/** The pushed images some service follows by digest (`x-fleetd.track: digest`). */
export const trackedPushes = (
  images: ReadonlyArray<string>,
  services: ReadonlyArray<{ readonly image: string; readonly track?: "digest" }>,
): ReadonlyArray<string> => {
  const tracked = new Set(services.filter((s) => s.track === "digest").map((s) => normalizeImageRef(s.image)))
  return images.filter((image) => tracked.has(image))
}
