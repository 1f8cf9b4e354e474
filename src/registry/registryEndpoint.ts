import { parseImageRef } from "../domain/imageRef.ts"
import { isLoopbackHost, splitRegistry } from "../domain/registryHost.ts"

/** Where the registry HTTP API v2 for one image reference lives. */
export interface RegistryEndpoint {
  /** The registry as credentials are keyed: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly registry: string
  /** Base URL of the API host, without `/v2`: `https://registry-1.docker.io`. */
  readonly baseUrl: string
  /** Repository path inside the registry: `library/busybox`. */
  readonly repository: string
  /** Tag (or digest) to resolve. */
  readonly reference: string
}

/** The API endpoint for `ref`, or undefined when it is not a reference. */
export const registryEndpoint = (ref: string): RegistryEndpoint | undefined => {
  const parsed = parseImageRef(ref)
  if (parsed === undefined) return undefined
  const { registry: written, path } = splitRegistry(parsed.name)
  const hub = written === "docker.io" || written === "index.docker.io"
  const registry = hub ? "docker.io" : written
  const repository = hub && !path.includes("/") ? `library/${path}` : path
  const apiHost = hub ? "registry-1.docker.io" : registry
  const scheme = isLoopbackHost(apiHost) ? "http" : "https"
  return {
    registry,
    baseUrl: `${scheme}://${apiHost}`,
    repository,
    reference: parsed.digest ?? parsed.tag ?? "latest",
  }
}
