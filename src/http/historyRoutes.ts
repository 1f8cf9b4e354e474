import { Effect } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import { Sources } from "../daemon/Sources.ts"
import { daemonHistory } from "../history/readHistory.ts"
import { parseHistoryQuery } from "./historyQuery.ts"
import { uiAccess } from "./uiAccess.ts"

/** `GET /status/history`: the recorded passes, newest first (docs/history.md). */
export const historyRoutes = () =>
  HttpRouter.use(
    Effect.fnUntraced(function* (router) {
      const sources = yield* Sources
      const config = yield* DaemonConfig
      const access = uiAccess(config.uiToken, config.listen.host)
      yield* router.add("GET", "/status/history", (request) =>
        Effect.gen(function* () {
          // Like /status: open without FLEETD_UI_TOKEN, behind it when set (docs/page.md).
          const verdict = access.status(request)
          if (verdict._tag === "Refused")
            return HttpServerResponse.jsonUnsafe(
              { error: verdict.status === 401 ? "unauthorized" : "forbidden", reason: verdict.reason },
              { status: verdict.status },
            )
          const query = parseHistoryQuery(new URL(request.url, "http://fleetd").searchParams)
          if (typeof query === "string")
            return HttpServerResponse.jsonUnsafe({ error: "bad_request", reason: query }, { status: 400 })
          const all = yield* sources.all
          if (query.source !== undefined && !all.some((s) => s.name === query.source))
            return HttpServerResponse.jsonUnsafe(
              {
                error: "not_found",
                reason: `no source is named ${JSON.stringify(query.source.slice(0, 64))}; the sources are: ${all.map((s) => s.name).join(", ")}`,
              },
              { status: 404 },
            )
          const passes = yield* daemonHistory(query).pipe(Effect.provideService(Sources, sources))
          return HttpServerResponse.jsonUnsafe({ passes })
        }),
      )
    }),
  )
