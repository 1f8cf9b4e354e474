import { Duration, Effect, Option, Redacted, Result } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { DaemonConfig, webhookProviders } from "../config/DaemonConfig.ts"
import { StatusStore } from "../daemon/StatusStore.ts"
import { Metrics } from "../observability/Metrics.ts"
import { Registry } from "../registry/Registry.ts"
import { Triggers } from "../triggers/Triggers.ts"
import { providerNamed } from "../triggers/webhooks/providers.ts"
import { trackedPushes } from "../triggers/webhooks/pushedImages.ts"
import { RecentDeliveries } from "../triggers/webhooks/RecentDeliveries.ts"
import { trackedRefs } from "../triggers/webhooks/trackedRefs.ts"
import type { WebhookProvider } from "../triggers/webhooks/WebhookProvider.ts"
import { Draining } from "./Draining.ts"
import { readBodyCapped } from "./readBodyCapped.ts"
import { WebhookAnswer } from "./webhookAnswer.ts"

export interface WebhookRouteOptions {
  /** How long a sender may take to deliver the whole body (default 10 s), then 408. */
  readonly bodyTimeout?: Duration.Input
  /** How many recent delivery ids are remembered for de-duplication (default 1,000). */
  readonly recentDeliveries?: number
}

const respond = (answer: WebhookAnswer) =>
  HttpServerResponse.jsonUnsafe(
    { status: answer.status, reason: answer.reason },
    answer.close
      ? { status: answer.httpStatus, headers: { connection: "close" } }
      : { status: answer.httpStatus },
  )

// Not counted in the metrics: the provider label would then be whatever a client typed.
const notFound = HttpServerResponse.jsonUnsafe(
  { status: "not_found", reason: `unknown webhook provider; use one of ${webhookProviders.join(", ")}` },
  { status: 404 },
)

/**
 * `POST /hooks/:provider` for github, gitlab, gitea (and Forgejo), bitbucket and
 * generic. Decides in this order, cheapest and least trusting first: draining (503),
 * provider closed for lack of a secret (403), declared size (413, before reading),
 * body read with a cap and a deadline (413, 408), then the provider's verdict:
 * authentication before any JSON is parsed. An accepted event only *requests* a
 * pass and is answered 202 at once.
 *
 * One log line per request: provider, outcome, delivery id and reason. Never a
 * header value, a signature, a token or a secret.
 */
export const webhookRoutes = (options: WebhookRouteOptions = {}) =>
  HttpRouter.use(
    Effect.fnUntraced(function* (router) {
      const config = yield* DaemonConfig
      const triggers = yield* Triggers
      const metrics = yield* Metrics
      const draining = yield* Draining
      const status = yield* StatusStore
      const registry = yield* Effect.serviceOption(Registry)
      const tracked = trackedRefs(config.source)
      const maxBytes = config.webhookMaxBytes
      const bodyTimeout = Duration.fromInputUnsafe(options.bodyTimeout ?? "10 seconds")
      const recent = new RecentDeliveries(options.recentDeliveries ?? 1000)

      for (const provider of webhookProviders) {
        const secret = config.webhookSecrets[provider]
        if (secret === undefined || Redacted.value(secret) === "")
          yield* Effect.logWarning(`webhook provider ${provider} is closed: no secret configured`)
      }

      const decide = Effect.fnUntraced(function* (
        name: keyof typeof config.webhookSecrets,
        provider: WebhookProvider,
        request: HttpServerRequest.HttpServerRequest,
      ) {
        if (yield* draining.isDraining) return WebhookAnswer.draining
        const secret = config.webhookSecrets[name]
        // An empty secret is no secret: anyone can compute an HMAC keyed with "".
        if (secret === undefined || Redacted.value(secret) === "") return WebhookAnswer.notConfigured(name)
        const declared = Number(request.headers["content-length"] ?? 0)
        if (declared > maxBytes) return WebhookAnswer.tooLarge(maxBytes)
        const read = yield* Effect.result(readBodyCapped(request.stream, maxBytes, bodyTimeout))
        if (Result.isFailure(read)) {
          const failure = read.failure
          return failure._tag === "BodyTooLarge"
            ? WebhookAnswer.tooLarge(maxBytes)
            : failure._tag === "BodyTimeout"
              ? WebhookAnswer.timeout
              : WebhookAnswer.readFailed
        }
        const query = Object.fromEntries(new URL(request.url, "http://fleetd").searchParams)
        const verdict = provider.verify(
          { headers: request.headers, body: read.success, query },
          secret,
          tracked,
        )
        if (verdict._tag !== "Accepted" && verdict._tag !== "ImagesPushed")
          return WebhookAnswer.fromVerdict(verdict)
        let matched: ReadonlyArray<string> = []
        if (verdict._tag === "ImagesPushed") {
          // A push of an image no service follows by digest changes nothing: 2xx, no pass.
          const now = yield* status.get
          const services = [...now.services, ...(now.projects ?? []).flatMap((p) => p.services)]
          // Before the first pass has read the manifest nothing is known to be tracked: ask anyway.
          const known = now.lastAppliedRevision !== undefined || now.stalled !== undefined
          matched = known ? trackedPushes(verdict.images, services) : verdict.images
          if (matched.length === 0)
            return WebhookAnswer.fromVerdict({
              _tag: "Ignored",
              reason: `no service tracks ${verdict.images.join(", ")} by digest`,
            })
        }
        // Check-and-record is one synchronous step: two copies racing cannot both pass.
        if (verdict.deliveryId !== undefined && !recent.remember(`${name}:${verdict.deliveryId}`))
          return WebhookAnswer.duplicate
        // The daemon caches digests for half its poll interval: the pass must not use the old one.
        if (verdict._tag === "ImagesPushed" && Option.isSome(registry))
          yield* registry.value.announce(matched, verdict.digests ?? {})
        yield* triggers.request(verdict._tag === "ImagesPushed" ? `image:${name}` : `webhook:${name}`)
        return WebhookAnswer.fromVerdict(verdict)
      })

      yield* router.add("POST", "/hooks/:provider", (request) =>
        Effect.gen(function* () {
          const found = providerNamed((yield* HttpRouter.params).provider)
          if (found === undefined) return notFound
          const answer = yield* decide(found.name, found.provider, request)
          yield* metrics.recordWebhook(found.name, answer.outcome)
          const log = answer.httpStatus >= 400 ? Effect.logWarning : Effect.logInfo
          yield* log("webhook").pipe(
            Effect.annotateLogs({
              provider: found.name,
              outcome: answer.outcome,
              delivery: found.provider.deliveryId(request.headers) ?? "-",
              reason: answer.reason,
            }),
          )
          return respond(answer)
        }),
      )
    }),
  )
