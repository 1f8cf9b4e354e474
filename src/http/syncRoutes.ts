import { Effect, Redacted } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import { type AwaitedPass, awaitPass } from "../daemon/awaitPass.ts"
import type { RunningSource } from "../daemon/RunningSource.ts"
import { Sources } from "../daemon/Sources.ts"
import { StatusStore } from "../daemon/StatusStore.ts"
import { checkBearer } from "./bearerToken.ts"
import { Draining } from "./Draining.ts"
import { parseSyncQuery } from "./syncQuery.ts"
import { sameOrigin, uiAccess } from "./uiAccess.ts"

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

/** One source's waited pass, as the answer's `sources[]` entry (or the whole answer for one). */
const awaitedAnswer = (source: string, id: number, awaited: AwaitedPass, timeoutMs: number): Answer => {
  switch (awaited._tag) {
    case "Finished":
      return answer(200, "done", { source, id: awaited.pass.id, pass: awaited.pass })
    case "Abandoned":
      return answer(503, "draining", {
        source,
        id,
        reason: `fleetd is shutting down before pass ${id} finished; retry against the next fleetd`,
      })
    case "TimedOut":
      return answer(504, "timeout", {
        source,
        id,
        reason: `pass ${id} did not finish within ${timeoutMs / 1000}s; it goes on: see /status`,
      })
  }
}

/**
 * `POST /sync` (every source) and `POST /sync/<source>`: start a pass now (trigger `api`),
 * authenticated by the bearer token of `FLEETD_API_TOKEN` (docs/api.md), or by the page's
 * session (FLEETD_UI_TOKEN, docs/page.md) from the page itself. In order: draining (503),
 * a session from another site (403), no token configured (403, fail closed), token missing or wrong (401),
 * unknown source (404), query not understood (400); then 202 with the pass id, or with
 * `?wait=true` the pass's result (200), 504 when `timeout` ran out first, 503 when the
 * daemon began shutting down first. With several sources, `/sync` answers each in
 * `sources[]` and its status is the worst of theirs. One log line per request; never the token.
 */
export const syncRoutes = () =>
  HttpRouter.use(
    Effect.fnUntraced(function* (router) {
      const config = yield* DaemonConfig
      const draining = yield* Draining
      const sources = yield* Sources
      const token = config.apiToken
      const ui = uiAccess(config.uiToken, config.listen.host)
      if (token === undefined || Redacted.value(token) === "")
        yield* Effect.logWarning(
          "sync API is closed: set FLEETD_API_TOKEN or FLEETD_API_TOKEN_FILE to open it",
        )

      const syncOne = Effect.fnUntraced(function* (source: RunningSource, wait: boolean, timeoutMs: number) {
        const id = yield* source.triggers.request("api")
        if (!wait) return answer(202, "accepted", { source: source.name, id, reason: "pass requested" })
        const awaited = yield* awaitPass(id, timeoutMs, draining.isDraining).pipe(
          Effect.provideService(StatusStore, source.status),
        )
        return awaitedAnswer(source.name, id, awaited, timeoutMs)
      })

      const decide = Effect.fnUntraced(function* (
        named: string | undefined,
        request: HttpServerRequest.HttpServerRequest,
      ) {
        if (yield* draining.isDraining)
          return answer(503, "draining", { reason: "fleetd is shutting down; retry later" })
        const apiOpen = token !== undefined && Redacted.value(token) !== ""
        const checked = apiOpen ? checkBearer(request.headers["authorization"], token) : "missing"
        // The page's "Sync now": its session cookie, sent by this page and not by another site.
        const bySession = checked !== "ok" && ui.hasSession(request)
        if (bySession && !sameOrigin(request))
          return answer(403, "forbidden", {
            reason: "cross-site request refused: Sync now only works from fleetd's own page",
          })
        if (!apiOpen && !bySession)
          return answer(403, "not_configured", {
            reason: ui.tokenSet
              ? "the sync API is closed to API clients (set FLEETD_API_TOKEN to open it); log in on the page to use Sync now"
              : "the sync API is closed: start fleetd with FLEETD_API_TOKEN or FLEETD_API_TOKEN_FILE set",
          })
        if (checked !== "ok" && !bySession)
          return answer(401, "unauthorized", {
            reason:
              checked === "missing"
                ? "send the token as Authorization: Bearer <FLEETD_API_TOKEN>"
                : "wrong token",
          })
        const all = yield* sources.all
        const targets = named === undefined ? all : all.filter((s) => s.name === named)
        if (targets.length === 0)
          return answer(404, "not_found", {
            reason: `no source is named ${JSON.stringify(named?.slice(0, 64))}; the sources are: ${all.map((s) => s.name).join(", ")}`,
          })
        const query = parseSyncQuery(new URL(request.url, "http://fleetd").searchParams)
        if (typeof query === "string") return answer(400, "bad_request", { reason: query })
        const each = yield* Effect.forEach(targets, (s) => syncOne(s, query.wait, query.timeoutMs), {
          concurrency: "unbounded",
        })
        const [only] = each
        if (each.length === 1 && only !== undefined) return only
        // The worst answer decides: a timeout or shutdown of one source is the caller's to see.
        const worst = each.reduce((a, b) => (b.httpStatus > a.httpStatus ? b : a))
        return answer(worst.httpStatus, worst.outcome, {
          sources: each.map((a) => a.body),
          reason: `${each.length} sources: ${each.map((a) => `${a.body["source"]} ${a.outcome}`).join(", ")}`,
        })
      })

      const handle = (named: string | undefined, request: HttpServerRequest.HttpServerRequest) =>
        Effect.gen(function* () {
          const result = yield* decide(named, request)
          const log = result.httpStatus >= 400 ? Effect.logWarning : Effect.logInfo
          yield* log("sync").pipe(
            Effect.annotateLogs({
              outcome: result.outcome,
              ...(typeof result.body["source"] === "string" ? { source: result.body["source"] } : {}),
              ...(typeof result.body["id"] === "number" ? { pass: result.body["id"] } : {}),
              ...(typeof result.body["reason"] === "string" ? { reason: result.body["reason"] } : {}),
            }),
          )
          return HttpServerResponse.jsonUnsafe(result.body, { status: result.httpStatus })
        })
      yield* router.add("POST", "/sync", (request) => handle(undefined, request))
      yield* router.add("POST", "/sync/:source", (request) =>
        Effect.flatMap(HttpRouter.params, (params) => handle(params.source ?? "", request)),
      )
    }),
  )
