import { createHash } from "node:crypto"
import { isLoopbackHost } from "../domain/registryHost.ts"
import { type AuthChallenge, parseAuthChallenge } from "./authChallenge.ts"
import type { RegistryErrorReason } from "./RegistryError.ts"
import { basicAuthorization, type RegistryCredentials } from "./registryCredentials.ts"
import type { RegistryEndpoint } from "./registryEndpoint.ts"

/**
 * Every manifest type a tag may point at. Without the index and list types a registry
 * would answer for one platform (or convert to schema 1), and the digest would not be
 * the one `docker pull` records; without the single-manifest types an image pushed
 * for one platform would be "not found".
 */
export const manifestAccept = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
].join(", ")

export type DigestOutcome = { readonly digest: string } | Failure

export interface FetchContext {
  readonly signal: AbortSignal
  readonly timeoutMs: number
  readonly now: () => number
  /** Looked up only when the registry asks for authentication. */
  readonly credentials: (registry: string) => Promise<RegistryCredentials | undefined>
  /** Authorization per `registry/repository`, reused until it expires: a no-op pass costs one HEAD. */
  readonly authorizations: Map<string, { readonly header: string; readonly expiresAt: number }>
}

const digestPattern = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/

type Failure = { readonly reason: RegistryErrorReason; readonly message: string }

const failure = (reason: RegistryErrorReason, message: string): Failure => ({ reason, message })

const statusFailure = (status: number, what: string): Failure =>
  status === 404
    ? failure("NotFound", `${what}: not found (404)`)
    : status === 401 || status === 403
      ? failure("Unauthorized", `${what}: access denied (${status}); check the registry credentials`)
      : failure("Unavailable", `${what}: the registry answered ${status}`)

const request = (url: string, method: "HEAD" | "GET", headers: Record<string, string>, ctx: FetchContext) =>
  fetch(url, {
    method,
    headers,
    redirect: "follow",
    signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.timeoutMs)]),
  })

/**
 * Resolves a tag to the digest its registry serves now, over the registry HTTP API v2:
 * `HEAD /v2/<repository>/manifests/<tag>` and its `Docker-Content-Digest`, answering a
 * 401 with the Bearer token flow or Basic auth. Network failures throw (the caller
 * maps them); everything the registry says becomes an outcome. No message ever
 * contains a credential or a token.
 */
export const fetchManifestDigest = async (
  endpoint: RegistryEndpoint,
  ctx: FetchContext,
): Promise<DigestOutcome> => {
  const url = `${endpoint.baseUrl}/v2/${endpoint.repository}/manifests/${endpoint.reference}`
  const what = `${endpoint.registry}/${endpoint.repository}:${endpoint.reference}`
  const key = `${endpoint.registry}/${endpoint.repository}`
  const cached = ctx.authorizations.get(key)
  const reuse = cached !== undefined && cached.expiresAt > ctx.now() ? cached.header : undefined
  const headers = (authorization: string | undefined): Record<string, string> => ({
    Accept: manifestAccept,
    ...(authorization === undefined ? {} : { Authorization: authorization }),
  })

  let response = await request(url, "HEAD", headers(reuse), ctx)
  if (response.status === 401) {
    ctx.authorizations.delete(key)
    const authorized = await authorize(
      parseAuthChallenge(response.headers.get("www-authenticate")),
      endpoint,
      ctx,
    )
    if ("reason" in authorized) return authorized
    ctx.authorizations.set(key, authorized)
    response = await request(url, "HEAD", headers(authorized.header), ctx)
  }
  if (response.status !== 200) return statusFailure(response.status, what)
  const digest = response.headers.get("docker-content-digest")
  if (digest !== null && digestPattern.test(digest)) return { digest }

  // A registry that omits the header on HEAD: the digest is the hash of the manifest body.
  const authorization = ctx.authorizations.get(key)?.header
  const body = await request(url, "GET", headers(authorization), ctx)
  if (body.status !== 200) return statusFailure(body.status, what)
  const bytes = new Uint8Array(await body.arrayBuffer())
  return { digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}` }
}

/** Answers a 401: a Bearer token from the realm (with Basic credentials if any), or Basic auth itself. */
const authorize = async (
  challenge: AuthChallenge | undefined,
  endpoint: RegistryEndpoint,
  ctx: FetchContext,
): Promise<{ readonly header: string; readonly expiresAt: number } | Failure> => {
  const what = `${endpoint.registry}/${endpoint.repository}`
  if (challenge === undefined)
    return failure(
      "Unauthorized",
      `${what}: the registry requires authentication but sent no usable challenge`,
    )
  const credentials = await ctx.credentials(endpoint.registry)
  if (challenge.scheme === "basic") {
    if (credentials === undefined)
      return failure("Unauthorized", `${what}: the registry requires credentials and none are configured`)
    // Basic credentials stay valid until the registry refuses them (then they are read again).
    return { header: basicAuthorization(credentials), expiresAt: Number.POSITIVE_INFINITY }
  }
  const realm = challenge.params["realm"]
  let tokenUrl: URL
  try {
    tokenUrl = new URL(realm ?? "")
  } catch {
    return failure("Unauthorized", `${what}: the registry's token realm is not a URL`)
  }
  // Credentials never travel in the clear: a plain-HTTP realm is accepted only on loopback.
  if (tokenUrl.protocol !== "https:" && !(tokenUrl.protocol === "http:" && isLoopbackHost(tokenUrl.host)))
    return failure("Unauthorized", `${what}: the registry's token realm ${tokenUrl.origin} is not HTTPS`)
  if (challenge.params["service"] !== undefined)
    tokenUrl.searchParams.set("service", challenge.params["service"])
  tokenUrl.searchParams.set("scope", challenge.params["scope"] ?? `repository:${endpoint.repository}:pull`)
  const response = await request(
    tokenUrl.toString(),
    "GET",
    credentials === undefined ? {} : { Authorization: basicAuthorization(credentials) },
    ctx,
  )
  if (response.status === 401 || response.status === 403)
    return failure(
      "Unauthorized",
      credentials === undefined
        ? `${what}: the registry refused an anonymous token (${response.status}); configure credentials`
        : `${what}: the registry refused the configured credentials (${response.status})`,
    )
  if (response.status !== 200) return statusFailure(response.status, `${what}: token request`)
  const body: unknown = await response.json().catch(() => undefined)
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {}
  const token = typeof fields["token"] === "string" ? fields["token"] : fields["access_token"]
  if (typeof token !== "string" || token === "")
    return failure("Unavailable", `${what}: the token endpoint answered without a token`)
  const lifetime =
    typeof fields["expires_in"] === "number" && fields["expires_in"] > 0 ? fields["expires_in"] : 60
  // Renewed a little early, so a token never expires between the check and the request.
  return { header: `Bearer ${token}`, expiresAt: ctx.now() + Math.max(0, lifetime - 10) * 1000 }
}
