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
}

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
  if (mode !== undefined && mode !== "ro" && mode !== "rw")
    return `mode "${mode}" is not supported; use ro or rw`
  return { type: isHostPath(source) ? "bind" : "volume", source, target, readOnly: mode === "ro" }
}
