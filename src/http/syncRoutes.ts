import { Effect, Redacted } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import { awaitPass } from "../daemon/awaitPass.ts"
import { StatusStore } from "../daemon/StatusStore.ts"
import { Triggers } from "../triggers/Triggers.ts"
import { checkBearer } from "./bearerToken.ts"
import { Draining } from "./Draining.ts"
import { parseSyncQuery } from "./syncQuery.ts"

/**
 * Where a sync request lands: the triggers that start the pass and the status that
 * records it. One today (the daemon's single source); a config file with several
 * sources will route `/sync/<source>` to that source's pair.
 */
export interface SyncTarget {
  readonly triggers: Triggers["Service"]
  readonly status: StatusStore["Service"]
}

type Answer = {
  readonly httpStatus: number
  readonly body: Record<string, unknown>
  readonly outcome: string
}

const answer = (httpStatus: number, outcome: string, body: Record<string, unknown>): Answer => ({
  httpStatus,
  outcome,
  body: { status: outcome, ...body },
})

/**
 * `POST /sync`: starts a pass now (trigger `api`), authenticated by the bearer token of
 * `FLEETD_API_TOKEN` (docs/api.md). In order: draining (503), no token configured (403,
 * fail closed), token missing or wrong (401), query not understood (400); then 202 with
 * the pass id, or with `?wait=true` the pass's result (200), 504 when `timeout` ran
 * out first, 503 when the daemon began shutting down first. One log line per request; never the token.
 */
export const syncRoutes = () =>
  HttpRouter.use(
    Effect.fnUntraced(function* (router) {
      const config = yield* DaemonConfig
      const draining = yield* Draining
      const target: SyncTarget = { triggers: yield* Triggers, status: yield* StatusStore }
      const token = config.apiToken
      if (token === undefined || Redacted.value(token) === "")
        yield* Effect.logWarning(
          "sync API is closed: set FLEETD_API_TOKEN or FLEETD_API_TOKEN_FILE to open it",
        )

      const decide = Effect.fnUntraced(function* (
        target: SyncTarget,
        request: HttpServerRequest.HttpServerRequest,
      ) {
        if (yield* draining.isDraining)
          return answer(503, "draining", { reason: "fleetd is shutting down; retry later" })
        if (token === undefined || Redacted.value(token) === "")
          return answer(403, "not_configured", {
            reason: "the sync API is closed: start fleetd with FLEETD_API_TOKEN or FLEETD_API_TOKEN_FILE set",
          })
        const checked = checkBearer(request.headers["authorization"], token)
        if (checked !== "ok")
          return answer(401, "unauthorized", {
            reason:
              checked === "missing"
                ? "send the token as Authorization: Bearer <FLEETD_API_TOKEN>"
                : "wrong token",
          })
        const query = parseSyncQuery(new URL(request.url, "http://fleetd").searchParams)
        if (typeof query === "string") return answer(400, "bad_request", { reason: query })
        const id = yield* target.triggers.request("api")
        if (!query.wait) return answer(202, "accepted", { id, reason: "pass requested" })
        const awaited = yield* awaitPass(id, query.timeoutMs, draining.isDraining).pipe(
          Effect.provideService(StatusStore, target.status),
        )
        switch (awaited._tag) {
          case "Finished":
            return answer(200, "done", { id: awaited.pass.id, pass: awaited.pass })
          case "Abandoned":
            return answer(503, "draining", {
              id,
              reason: `fleetd is shutting down before pass ${id} finished; retry against the next fleetd`,
            })
          case "TimedOut":
            return answer(504, "timeout", {
              id,
              reason: `pass ${id} did not finish within ${query.timeoutMs / 1000}s; it goes on: see /status`,
            })
        }
      })

      yield* router.add("POST", "/sync", (request) =>
        Effect.gen(function* () {
          const result = yield* decide(target, request)
          const log = result.httpStatus >= 400 ? Effect.logWarning : Effect.logInfo
          yield* log("sync").pipe(
            Effect.annotateLogs({
              outcome: result.outcome,
              ...(typeof result.body["id"] === "number" ? { pass: result.body["id"] } : {}),
              ...(typeof result.body["reason"] === "string" ? { reason: result.body["reason"] } : {}),
            }),
          )
          return HttpServerResponse.jsonUnsafe(result.body, { status: result.httpStatus })
        }),
      )
    }),
  )
