import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { FleetLease } from "../daemon/FleetLease.ts"
import { notReadyReasons, StatusStore } from "../daemon/StatusStore.ts"
import { Metrics } from "../observability/Metrics.ts"

/**
 * `GET /health` (liveness: the process answers and its loop has not died), `/ready`
 * (engine reachable, a pass completed, not stalled, every lease held — with the reasons when not),
 * `/status` (the whole FleetStatus, docs/status.md) and `/metrics` (Prometheus text).
 */
export const statusRoutes = (loopAlive: Effect.Effect<boolean>) =>
  HttpRouter.use(
    Effect.fnUntraced(function* (router) {
      const store = yield* StatusStore
      const lease = yield* FleetLease
      const metrics = yield* Metrics
      // The leases as of now: a lease lost or taken between passes shows at once.
      const status = {
        get: Effect.map(Effect.all([store.get, lease.views]), ([s, leases]) =>
          leases.length === 0 ? s : { ...s, leases },
        ),
      }
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
        // The lease gauge is read at scrape time, like /status: it changes between passes.
        Effect.flatMap(lease.views, metrics.setLeases).pipe(
          Effect.andThen(metrics.render),
          Effect.map(({ contentType, body }) => HttpServerResponse.text(body, { contentType })),
        ),
      )
    }),
  )
