/** The oldest Engine API fleetd can drive: dockerd 20.10 and Podman 4 speak it. */
export const MinApiVersion = "1.41"
/**
 * The newest Engine API fleetd has been written against. Request bodies are 1.41
 * shaped and later versions only add fields, so a newer engine is driven at this
 * version rather than at its own (it keeps older behaviour for older clients).
 */
export const MaxApiVersion = "1.45"

/** The part of `GET /version` that negotiation reads. */
export interface VersionResponse {
  readonly Version?: string
  readonly ApiVersion?: string
  readonly Components?: ReadonlyArray<{ readonly Name?: string; readonly Version?: string }> | null
  readonly Platform?: { readonly Name?: string } | null
}

export interface Negotiated {
  readonly kind: "docker" | "podman"
  readonly version: string
  readonly apiVersion: string
}

const parse = (v: string): readonly [number, number] | undefined => {
  const match = /^(\d+)\.(\d+)$/.exec(v)
  return match === null ? undefined : [Number(match[1]), Number(match[2])]
}

export const compareApiVersions = (a: string, b: string): number => {
  const [aMajor, aMinor] = parse(a) ?? [0, 0]
  const [bMajor, bMinor] = parse(b) ?? [0, 0]
  return aMajor - bMajor || aMinor - bMinor
}

/** Pure: which engine this is and which API version to use; a string is the reason it cannot be used. */
export const negotiateApiVersion = (response: VersionResponse): Negotiated | string => {
  const names = [response.Platform?.Name ?? "", ...(response.Components ?? []).map((c) => c.Name ?? "")]
  const isPodman = names.some((name) => name.includes("Podman"))
  const kind = isPodman ? "podman" : "docker"
  const podmanVersion = response.Components?.find((c) => c.Name?.includes("Podman"))?.Version
  const version = (isPodman ? podmanVersion : undefined) ?? response.Version ?? "unknown"
  const engineApi = response.ApiVersion
  if (engineApi === undefined || parse(engineApi) === undefined) {
    return `the engine (${kind} ${version}) did not report an Engine API version; fleetd needs ${MinApiVersion} or newer`
  }
  if (compareApiVersions(engineApi, MinApiVersion) < 0) {
    return `the engine (${kind} ${version}) speaks Engine API ${engineApi}; fleetd needs ${MinApiVersion} or newer (Docker 20.10+, Podman 4+)`
  }
  const apiVersion = compareApiVersions(engineApi, MaxApiVersion) > 0 ? MaxApiVersion : engineApi
  return { kind, version, apiVersion }
}
