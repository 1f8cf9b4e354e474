import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import { daemonNotReady } from "../daemon/daemonStatus.ts"
import { readDaemonStatus } from "../daemon/readDaemonStatus.ts"
import { Sources } from "../daemon/Sources.ts"
import { Notifier } from "../notify/Notifier.ts"
import { MetricsRegistry } from "../observability/MetricsRegistry.ts"
import { uiAccess } from "./uiAccess.ts"

/**
 * `GET /health` (liveness: the process answers and every source's loop is alive),
 * `/ready` (per source: engine reachable, a pass completed, not stalled, every lease held;
 * and the config file's last reload accepted — with the reasons when not), `/status`
 * (DaemonStatus, docs/status.md; behind FLEETD_UI_TOKEN when it is set, docs/page.md) and `/metrics` (Prometheus text).
 */
export const statusRoutes = () =>
  HttpRouter.use(
    Effect.fnUntraced(function* (router) {
      const sources = yield* Sources
      const metrics = yield* MetricsRegistry
      const notifier = yield* Effect.serviceOption(Notifier)
      const config = yield* DaemonConfig
      const status = readDaemonStatus(sources, notifier._tag === "Some" ? notifier.value.status : undefined)
      const access = uiAccess(config.uiToken, config.listen.host)
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
      yield* router.add("GET", "/status", (request) =>
        Effect.map(status, (s) => {
          // Open without FLEETD_UI_TOKEN, as before the page; with it, like the page.
          const verdict = access.status(request)
          return verdict._tag === "Granted"
            ? HttpServerResponse.jsonUnsafe(s)
            : HttpServerResponse.jsonUnsafe(
                { error: verdict.status === 401 ? "unauthorized" : "forbidden", reason: verdict.reason },
                { status: verdict.status },
              )
        }),
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
