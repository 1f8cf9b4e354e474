import { Duration, Effect, Option, Redacted, Result } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import type { ConfiguredSource } from "../config/loadConfigFile.ts"
import type { RunningSource } from "../daemon/RunningSource.ts"
import { Sources } from "../daemon/Sources.ts"
import { type WebhookProvider as ProviderName, webhookProviders } from "../domain/webhookProviders.ts"
import { MetricsRegistry } from "../observability/MetricsRegistry.ts"
import { Registry } from "../registry/Registry.ts"
import { providerNamed } from "../triggers/webhooks/providers.ts"
import { trackedPushes } from "../triggers/webhooks/pushedImages.ts"
import { RecentDeliveries } from "../triggers/webhooks/RecentDeliveries.ts"
import { type Routing, routeDelivery } from "../triggers/webhooks/routeDelivery.ts"
import { trackedRefs } from "../triggers/webhooks/trackedRefs.ts"
import type { Verdict } from "../triggers/webhooks/Verdict.ts"
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
const notFound = (reason: string) =>
  HttpServerResponse.jsonUnsafe({ status: "not_found", reason }, { status: 404 })
const unknownProvider = notFound(`unknown webhook provider; use one of ${webhookProviders.join(", ")}`)

/** A source's secret for a provider, when it has a usable one: an empty secret is no secret. */
const secretOf = (source: ConfiguredSource, provider: ProviderName) => {
  const secret = source.settings.webhookSecrets[provider]
  return secret === undefined || Redacted.value(secret) === "" ? undefined : secret
}

/** The providers no source has a secret for: every delivery to them is refused (403). Logged at start-up. */
export const closedProviders = (sources: ReadonlyArray<ConfiguredSource>): ReadonlyArray<ProviderName> =>
  webhookProviders.filter((provider) => sources.every((s) => secretOf(s, provider) === undefined))

/** One source's verdict as a routing: refused, or for that source. */
const directRoute = (source: string, verdict: Verdict): Routing =>
  verdict._tag === "Unauthorized"
    ? { _tag: "Unauthorized", reason: verdict.reason }
    : { _tag: "Routed", deliveries: [{ source, verdict }] }

/**
 * Several sources' answers to one delivery, as one: accepted when any source took it
 * (naming them), else the first source's answer.
 */
const combine = (answers: ReadonlyArray<{ readonly source: string; readonly answer: WebhookAnswer }>) => {
  const [first] = answers
  if (answers.length === 1 && first !== undefined) return first.answer
  const accepted = answers.filter((a) => a.answer.outcome === "accepted")
  const [one] = accepted
  if (one === undefined)
    return first?.answer ?? WebhookAnswer.fromVerdict({ _tag: "Ignored", reason: "no source" })
  return { ...one.answer, reason: `${one.answer.reason} for ${accepted.map((a) => a.source).join(", ")}` }
}

/**
 * `POST /hooks/:provider/:source` (that source's secret) and `POST /hooks/:provider`
 * (one URL for every source: the delivery is authenticated against each source's secret
 * for the provider, then the repository it names selects among those it authenticated
 * with: routeDelivery.ts). Providers: github, gitlab, gitea (and Forgejo), bitbucket,
 * generic, and the registries. Decides in this order, cheapest and least trusting
 * first: draining (503), no source with a secret for the provider (403), declared size
 * (413, before reading), body read with a cap and a deadline (413, 408), then the
 * verdicts: authentication before any JSON is parsed. Per source, an accepted event
 * only *requests* a pass (answered 202 at once), a delivery id is de-duplicated, and
 * an image push counts only if that source tracks the image.
 *
 * One log line per request: provider, outcome, sources, delivery id and reason. Never a
 * header value, a signature, a token or a secret.
 */
export const webhookRoutes = (options: WebhookRouteOptions = {}) =>
  HttpRouter.use(
    Effect.fnUntraced(function* (router) {
      const config = yield* DaemonConfig
      const metrics = yield* MetricsRegistry
      const draining = yield* Draining
      const sources = yield* Sources
      const registry = yield* Effect.serviceOption(Registry)
      const maxBytes = config.webhookMaxBytes
      const bodyTimeout = Duration.fromInputUnsafe(options.bodyTimeout ?? "10 seconds")
      const recent = new RecentDeliveries(options.recentDeliveries ?? 1000)

      /** What one source makes of a verdict meant for it. */
      const deliver = Effect.fnUntraced(function* (
        name: ProviderName,
        source: RunningSource,
        verdict: Verdict,
      ) {
        if (verdict._tag !== "Accepted" && verdict._tag !== "ImagesPushed")
          return WebhookAnswer.fromVerdict(verdict)
        let matched: ReadonlyArray<string> = []
        if (verdict._tag === "ImagesPushed") {
          // A push of an image no service follows by digest changes nothing: 2xx, no pass.
          const now = yield* source.status.get
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
        if (
          verdict.deliveryId !== undefined &&
          !recent.remember(`${source.name}:${name}:${verdict.deliveryId}`)
        )
          return WebhookAnswer.duplicate
        // The daemon caches digests for half its poll interval: the pass must not use the old one.
        if (verdict._tag === "ImagesPushed" && Option.isSome(registry))
          yield* registry.value.announce(matched, verdict.digests ?? {})
        yield* source.triggers.request(verdict._tag === "ImagesPushed" ? `image:${name}` : `webhook:${name}`)
        return WebhookAnswer.fromVerdict(verdict)
      })

      const decide = Effect.fnUntraced(function* (
        name: ProviderName,
        provider: WebhookProvider,
        targets: ReadonlyArray<RunningSource>,
        /** `/hooks/<provider>/<source>`: the URL chose the source; the payload's repository does not. */
        chosen: boolean,
        request: HttpServerRequest.HttpServerRequest,
      ) {
        if (yield* draining.isDraining) return { answer: WebhookAnswer.draining, routed: [] }
        const candidates = targets.flatMap((s) => {
          const secret = secretOf(s.configured, name)
          return secret === undefined ? [] : [{ source: s, secret }]
        })
        if (candidates.length === 0) return { answer: WebhookAnswer.notConfigured(name), routed: [] }
        const declared = Number(request.headers["content-length"] ?? 0)
        if (declared > maxBytes) return { answer: WebhookAnswer.tooLarge(maxBytes), routed: [] }
        const read = yield* Effect.result(readBodyCapped(request.stream, maxBytes, bodyTimeout))
        if (Result.isFailure(read)) {
          const failure = read.failure
          const answer =
            failure._tag === "BodyTooLarge"
              ? WebhookAnswer.tooLarge(maxBytes)
              : failure._tag === "BodyTimeout"
                ? WebhookAnswer.timeout
                : WebhookAnswer.readFailed
          return { answer, routed: [] }
        }
        const query = Object.fromEntries(new URL(request.url, "http://fleetd").searchParams)
        const delivery = { headers: request.headers, body: read.success, query }
        const routes = candidates.map(({ source, secret }) => ({
          name: source.name,
          secret,
          tracked: trackedRefs(source.configured.settings.source),
          repository: source.configured.webhookRepository,
        }))
        // Chosen by the URL, or the one source of a daemon run from flags: whatever repository
        // the delivery names, its secret alone decides.
        const [only] = routes
        const route =
          (chosen || (yield* sources.config).file === undefined) && only !== undefined
            ? directRoute(only.name, provider.verify(delivery, only.secret, only.tracked))
            : routeDelivery(provider, delivery, routes)
        if (route._tag === "Unauthorized")
          return {
            answer: WebhookAnswer.fromVerdict({ _tag: "Unauthorized", reason: route.reason }),
            routed: [],
          }
        if (route._tag === "Unrouted") return { answer: WebhookAnswer.fromVerdict(route.verdict), routed: [] }
        const answers = []
        for (const d of route.deliveries) {
          const source = targets.find((s) => s.name === d.source)
          if (source !== undefined)
            answers.push({ source: d.source, answer: yield* deliver(name, source, d.verdict) })
        }
        return { answer: combine(answers), routed: answers.map((a) => a.source) }
      })

      const handle = (request: HttpServerRequest.HttpServerRequest, sourceName: string | undefined) =>
        Effect.gen(function* () {
          const found = providerNamed((yield* HttpRouter.params).provider)
          if (found === undefined) return unknownProvider
          const all = yield* sources.all
          const targets = sourceName === undefined ? all : all.filter((s) => s.name === sourceName)
          if (targets.length === 0) return notFound("no source of this fleetd has that name")
          const { answer, routed } = yield* decide(
            found.name,
            found.provider,
            targets,
            sourceName !== undefined,
            request,
          )
          yield* metrics.recordWebhook(found.name, answer.outcome)
          const log = answer.httpStatus >= 400 ? Effect.logWarning : Effect.logInfo
          yield* log("webhook").pipe(
            Effect.annotateLogs({
              provider: found.name,
              outcome: answer.outcome,
              ...(routed.length === 0 ? {} : { sources: routed.join(",") }),
              delivery: found.provider.deliveryId(request.headers) ?? "-",
              reason: answer.reason,
            }),
          )
          return respond(answer)
        })

      yield* router.add("POST", "/hooks/:provider", (request) => handle(request, undefined))
      yield* router.add("POST", "/hooks/:provider/:source", (request) =>
        Effect.flatMap(HttpRouter.params, (params) => handle(request, params.source ?? "")),
      )
    }),
  )
