/**
 * Compose short volume syntax: `SOURCE:TARGET[:MODE]` or a bare `TARGET` (an
 * anonymous volume). A source starting with `.`, `/` or `~` is a host path (a bind
 * mount); anything else names a volume declared under top-level `volumes`.
 */
export interface ShortVolume {
  readonly type: "bind" | "volume" | "anonymous"
  readonly source?: string
  readonly target: string
  readonly readOnly: boolean
  /** The MODE part split at commas (`ro,z`, `rshared`, `nocopy`); see volumeOptions.ts. */
  readonly options?: ReadonlyArray<string>
}

/** What Compose accepts after SOURCE:TARGET (compose-go format/volume.go). */
export const shortVolumeOption =
  /^(ro|rw|z|Z|nocopy|shared|rshared|slave|rslave|private|rprivate|cached|delegated|consistent)$/

const isHostPath = (source: string): boolean =>
  source.startsWith(".") || source.startsWith("/") || source.startsWith("~")

export const parseShortVolume = (spec: string): ShortVolume | string => {
  const parts = spec.split(":")
  if (parts.some((p) => p === "")) return `"${spec}" has an empty part; expected SOURCE:TARGET[:ro]`
  if (parts.length === 1) {
    if (!spec.startsWith("/")) return `"${spec}" is not an absolute container path`
    return { type: "anonymous", target: spec, readOnly: false }
  }
  if (parts.length > 3) return `"${spec}" has too many parts; expected SOURCE:TARGET[:ro]`
  const [source, target, mode] = parts as [string, string, string | undefined]
  if (!target.startsWith("/")) return `container path "${target}" must be absolute`
  const options = mode?.split(",") ?? []
  const unknown = options.find((o) => !shortVolumeOption.test(o))
  if (unknown !== undefined)
    return `mode "${unknown}" is not supported; use ro, rw, z, Z, nocopy or a propagation (rprivate, shared, ...)`
  return {
    type: isHostPath(source) ? "bind" : "volume",
    source,
    target,
    readOnly: options.includes("ro"),
    ...(mode === undefined ? {} : { options }),
  }
}
