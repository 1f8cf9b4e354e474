import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { daemonNotReady, daemonStatus } from "../daemon/daemonStatus.ts"
import { Sources } from "../daemon/Sources.ts"
import { Notifier } from "../notify/Notifier.ts"
import { MetricsRegistry } from "../observability/MetricsRegistry.ts"

/**
 * `GET /health` (liveness: the process answers and every source's loop is alive),
 * `/ready` (per source: engine reachable, a pass completed, not stalled, every lease held;
 * and the config file's last reload accepted — with the reasons when not), `/status`
 * (DaemonStatus, docs/status.md) and `/metrics` (Prometheus text).
 */
export const statusRoutes = () =>
  HttpRouter.use(
    Effect.fnUntraced(function* (router) {
      const sources = yield* Sources
      const metrics = yield* MetricsRegistry
      const notifier = yield* Effect.serviceOption(Notifier)
      // The leases as of now: a lease lost or taken between passes shows at once.
      const status = Effect.gen(function* () {
        const all = yield* sources.all
        const each = yield* Effect.forEach(all, (source) =>
          Effect.map(Effect.all([source.status.get, source.lease.views]), ([s, leases]) => ({
            name: source.name,
            ...s,
            ...(leases.length === 0 ? {} : { leases }),
          })),
        )
        const notifications = notifier._tag === "Some" ? yield* notifier.value.status : undefined
        return daemonStatus(each, yield* sources.config, notifications)
      })
      yield* router.add(
        "GET",
        "/health",
        Effect.gen(function* () {
          const all = yield* sources.all
          const stopped = []
          for (const s of all) if (!(yield* s.alive)) stopped.push(s.name)
          return HttpServerResponse.jsonUnsafe(
            stopped.length === 0 ? { status: "ok" } : { status: "loop stopped", sources: stopped },
            { status: stopped.length === 0 ? 200 : 503 },
          )
        }),
      )
      yield* router.add(
        "GET",
        "/ready",
        Effect.map(status, (s) => {
          const reasons = daemonNotReady(s)
          return HttpServerResponse.jsonUnsafe(
            { ready: reasons.length === 0, phase: s.phase, reasons },
            { status: reasons.length === 0 ? 200 : 503 },
          )
        }),
      )
      yield* router.add(
        "GET",
        "/status",
        Effect.map(status, (s) => HttpServerResponse.jsonUnsafe(s)),
      )
      yield* router.add(
        "GET",
        "/metrics",
        // The lease gauge is read at scrape time, like /status: it changes between passes.
        Effect.gen(function* () {
          for (const source of yield* sources.all) yield* source.metrics.setLeases(yield* source.lease.views)
          const { contentType, body } = yield* metrics.render
          return HttpServerResponse.text(body, { contentType })
        }),
      )
    }),
  )
