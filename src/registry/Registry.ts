import { Clock, Context, Duration, Effect, Layer } from "effect"
import { normalizeImageRef } from "../domain/imageRef.ts"
import { fetchManifestDigest } from "./fetchManifestDigest.ts"
import { RegistryError } from "./RegistryError.ts"
import { type CredentialSources, lookupCredentials } from "./registryCredentials.ts"
import { registryEndpoint } from "./registryEndpoint.ts"

/** A digest a push announcement names, and the time of that push (epoch ms). */
export interface AnnouncedDigest {
  readonly digest: string
  readonly at: number
}

export interface RegistryOptions {
  /** A resolved digest is reused this long (the daemon: half its poll interval). Default 0: ask every time. */
  readonly cacheTtl?: Duration.Input
  /** Limit for one HTTP request to a registry or its token service; default 10 s. */
  readonly requestTimeout?: Duration.Input
  /** Where credentials are looked up (registryCredentials.ts); process.env by default. */
  readonly credentials?: CredentialSources
}

/** The container registries fleetd asks about tags, over the registry HTTP API v2. */
export class Registry extends Context.Service<
  Registry,
  {
    /** The digest the registry serves for a tag reference now (a digest reference is answered as it is). */
    readonly resolveDigest: (ref: string) => Effect.Effect<string, RegistryError>
    /**
     * A push of these images (normalized references) was announced: their cached digests
     * are dropped, or replaced by the digest the announcement names, which the next
     * `resolveDigest` then answers for the cache's lifetime. An announcement older than
     * one already taken for that image only drops the cache (deliveries may come out of
     * order, and a retried old one must not bring back an older digest).
     */
    readonly announce: (
      images: ReadonlyArray<string>,
      digests: Readonly<Record<string, AnnouncedDigest>>,
    ) => Effect.Effect<void>
  }
>()("fleetd/registry/Registry") {
  static readonly layer = (options: RegistryOptions = {}): Layer.Layer<Registry> =>
    Layer.sync(Registry, () => makeRegistry(options))
}

const describeNetworkError = (error: unknown): string => {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return "timed out"
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))
}

export const makeRegistry = (options: RegistryOptions = {}): Registry["Service"] => {
  const cacheTtlMs = Duration.toMillis(Duration.fromInputUnsafe(options.cacheTtl ?? Duration.zero))
  const timeoutMs = Duration.toMillis(
    Duration.fromInputUnsafe(options.requestTimeout ?? Duration.seconds(10)),
  )
  const sources = options.credentials ?? { env: process.env }
  /** By normalized reference, so a pushed image's announcement finds the entry. */
  const digests = new Map<string, { readonly digest: string; readonly at: number }>()
  /** By normalized reference, the time of the newest push announcement taken. */
  const newest = new Map<string, number>()
  const authorizations = new Map<string, { readonly header: string; readonly expiresAt: number }>()

  return Registry.of({
    resolveDigest: Effect.fn("Registry.resolveDigest")(function* (ref: string) {
      const endpoint = registryEndpoint(ref)
      if (endpoint === undefined)
        return yield* new RegistryError({
          reason: "NotFound",
          ref,
          message: `"${ref}" is not an image reference`,
        })
      if (endpoint.reference.includes(":")) return endpoint.reference
      const now = yield* Clock.currentTimeMillis
      const key = normalizeImageRef(ref)
      const cached = digests.get(key)
      if (cached !== undefined && now - cached.at < cacheTtlMs) return cached.digest
      const outcome = yield* Effect.tryPromise({
        try: (signal) =>
          fetchManifestDigest(endpoint, {
            signal,
            timeoutMs,
            now: () => Date.now(),
            credentials: (registry) => lookupCredentials(registry, sources),
            authorizations,
          }),
        catch: (error) =>
          new RegistryError({
            reason: "Unavailable",
            ref,
            message: `registry ${endpoint.baseUrl} unreachable: ${describeNetworkError(error)}`,
          }),
      })
      if ("reason" in outcome) {
        digests.delete(key)
        return yield* new RegistryError({ reason: outcome.reason, ref, message: outcome.message })
      }
      digests.set(key, { digest: outcome.digest, at: now })
      return outcome.digest
    }),
    announce: (images, announced) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.sync(() => {
          for (const image of images) {
            const key = normalizeImageRef(image)
            const news = announced[image]
            if (news === undefined || news.at <= (newest.get(key) ?? 0)) digests.delete(key)
            else {
              newest.set(key, news.at)
              digests.set(key, { digest: news.digest, at: now })
            }
          }
        }),
      ),
  })
}
