import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { notReadyReasons, StatusStore } from "../daemon/StatusStore.ts"
import { Metrics } from "../observability/Metrics.ts"

/**
 * `GET /health` (liveness: the process answers and its loop has not died), `/ready`
 * (engine reachable, a pass completed, not stalled — with the reasons when not),
 * `/status` (the whole FleetStatus, docs/status.md) and `/metrics` (Prometheus text).
 */
export const statusRoutes = (loopAlive: Effect.Effect<boolean>) =>
  HttpRouter.use(
    Effect.fnUntraced(function* (router) {
      const status = yield* StatusStore
      const metrics = yield* Metrics
      yield* router.add(
        "GET",
        "/health",
        Effect.map(loopAlive, (alive) =>
          HttpServerResponse.jsonUnsafe(
            { status: alive ? "ok" : "loop stopped" },
            { status: alive ? 200 : 503 },
          ),
        ),
      )
      yield* router.add(
        "GET",
        "/ready",
        Effect.map(status.get, (s) => {
          const reasons = notReadyReasons(s)
          return HttpServerResponse.jsonUnsafe(
            { ready: reasons.length === 0, phase: s.phase, reasons },
            { status: reasons.length === 0 ? 200 : 503 },
          )
        }),
      )
      yield* router.add(
        "GET",
        "/status",
        Effect.map(status.get, (s) => HttpServerResponse.jsonUnsafe(s)),
      )
      yield* router.add(
        "GET",
        "/metrics",
        Effect.map(metrics.render, ({ contentType, body }) => HttpServerResponse.text(body, { contentType })),
      )
    }),
  )
