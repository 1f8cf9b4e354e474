/**
 * Compose short volume syntax: `SOURCE:TARGET[:MODE]` or a bare `TARGET` (an
 * anonymous volume), read into the long syntax's terms as compose-go does
 * (format/volume.go): a source starting with `.`, `/` or `~` is a host path (a bind
 * mount); anything else names a volume declared under top-level `volumes`; MODE's
 * `ro` is `read_only`, `z`/`Z` and a propagation go under `bind`, `nocopy` under
 * `volume`, whatever the type (normalizeVolumeOptions.ts says what applies).
 */
export type Propagation = "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave"

export interface ShortVolume {
  readonly type: "bind" | "volume"
  /** Unset for an anonymous volume. */
  readonly source?: string
  readonly target: string
  readonly read_only: boolean
  readonly bind?: { readonly propagation?: Propagation; readonly selinux?: "z" | "Z" }
  readonly volume?: { readonly nocopy: true }
  readonly consistency?: string
}

/** What Compose accepts after SOURCE:TARGET (compose-go format/volume.go). */
export const shortVolumeOption =
  /^(ro|rw|z|Z|nocopy|shared|rshared|slave|rslave|private|rprivate|cached|delegated|consistent)$/

const propagations: ReadonlyArray<string> = ["rprivate", "private", "rshared", "shared", "rslave", "slave"]
const consistencies: ReadonlyArray<string> = ["cached", "delegated", "consistent"]

const isHostPath = (source: string): boolean =>
  source.startsWith(".") || source.startsWith("/") || source.startsWith("~")

export const parseShortVolume = (spec: string): ShortVolume | string => {
  const parts = spec.split(":")
  if (parts.some((p) => p === "")) return `"${spec}" has an empty part; expected SOURCE:TARGET[:ro]`
  if (parts.length === 1) {
    if (!spec.startsWith("/")) return `"${spec}" is not an absolute container path`
    return { type: "volume", target: spec, read_only: false }
  }
  if (parts.length > 3) return `"${spec}" has too many parts; expected SOURCE:TARGET[:ro]`
  const [source, target, mode] = parts as [string, string, string | undefined]
  if (!target.startsWith("/")) return `container path "${target}" must be absolute`
  const options = mode?.split(",") ?? []
  const unknown = options.find((o) => !shortVolumeOption.test(o))
  if (unknown !== undefined)
    return `mode "${unknown}" is not supported; use ro, rw, z, Z, nocopy or a propagation (rprivate, shared, ...)`
  // A later option of the same kind wins, as in compose-go.
  let bind: { propagation?: Propagation; selinux?: "z" | "Z" } | undefined
  let consistency: string | undefined
  for (const o of options)
    if (o === "z" || o === "Z") bind = { ...bind, selinux: o }
    else if (propagations.includes(o)) bind = { ...bind, propagation: o as Propagation }
    else if (consistencies.includes(o)) consistency = o
  return {
    type: isHostPath(source) ? "bind" : "volume",
    source,
    target,
    read_only: options.includes("ro"),
    ...(bind === undefined ? {} : { bind }),
    ...(options.includes("nocopy") ? { volume: { nocopy: true } } : {}),
    ...(consistency === undefined ? {} : { consistency }),
  }
}

/** The short syntax of a mount that has one (the inverse of parseShortVolume). */
export const formatShortVolume = (mount: {
  readonly source?: string
  readonly target: string
  readonly read_only: boolean
  readonly bind?: { readonly propagation?: string; readonly selinux?: string }
  readonly volume?: { readonly nocopy?: boolean }
  readonly consistency?: string
}): string => {
  const options = [
    ...(mount.read_only ? ["ro"] : []),
    ...(mount.bind?.selinux === undefined ? [] : [mount.bind.selinux]),
    ...(mount.bind?.propagation === undefined ? [] : [mount.bind.propagation]),
    ...(mount.volume?.nocopy === true ? ["nocopy"] : []),
    ...(mount.consistency === undefined ? [] : [mount.consistency]),
  ]
  if (mount.source === undefined) return mount.target
  return `${mount.source}:${mount.target}${options.length === 0 ? "" : `:${options.join(",")}`}`
}
