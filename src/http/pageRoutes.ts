import { createHash } from "node:crypto"
import { Effect, Stream } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { DaemonConfig } from "../config/DaemonConfig.ts"
import { readDaemonStatus } from "../daemon/readDaemonStatus.ts"
import { Sources } from "../daemon/Sources.ts"
import { checkoutDir } from "../daemon/sourceLayer.ts"
import type { PassStatus } from "../domain/FleetStatus.ts"
import { daemonHistory } from "../history/readHistory.ts"
import { type CommitSummary, commitSummaries } from "../source/commitSummary.ts"
import { type Html, html } from "../ui/html.ts"
import { loginPage } from "../ui/loginPage.ts"
import type { PageData } from "../ui/pageData.ts"
import { pageLayout } from "../ui/pageLayout.ts"
import { pageScript } from "../ui/pageScript.ts"
import { pageStyle } from "../ui/pageStyle.ts"
import { pageView } from "../ui/pageView.ts"
import { Draining } from "./Draining.ts"
import { BodyTooLarge, readBodyCapped } from "./readBodyCapped.ts"
import { sessionCookie, type UiVerdict, uiAccess } from "./uiAccess.ts"

const hash = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`

/** Only the page's own inline style and script run; nothing loads from anywhere else. */
const securityHeaders = {
  "content-security-policy": `default-src 'none'; style-src ${hash(pageStyle)}; script-src ${hash(pageScript)}; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
}

/** How often `/events` looks at the status stores; a change reaches the page within this. */
const eventPollMs = 250
/** How long a wrong login waits before its answer. */
const wrongLoginDelayMs = 1000
/** A comment this often keeps proxies from closing an idle stream. */
const keepAliveTicks = Math.round(15_000 / eventPollMs)

/** One server-sent event: each line of `data` on a `data:` line of its own. */
const sseEvent = (event: string, data: string) =>
  `event: ${event}\n${data
    .split("\n")
    .map((line) => `data: ${line}`)
    .join("\n")}\n\n`

/** Where to go after logging in: a path of this page only, never another site (`//host`). */
const safeNext = (next: string | null | undefined) =>
  next !== null && next !== undefined && /^\/(?!\/)[^\\\s]*$/.test(next) ? next : "/"

/**
 * The status page (docs/page.md): `GET /`, `/passes` and `/services/<source>/<fleet>/<service>`
 * (server-rendered HTML that reads without JavaScript), `GET /events` (server-sent events:
 * the page's re-rendered `<main>` whenever it changes), and `/login`. Behind
 * FLEETD_UI_TOKEN when it is set (uiAccess.ts).
 */
export const pageRoutes = () =>
  HttpRouter.use(
    Effect.fnUntraced(function* (router) {
      const sources = yield* Sources
      const config = yield* DaemonConfig
      const draining = yield* Draining
      const access = uiAccess(config.uiToken, config.listen.host)
      const commitOf = commitSummaries()

      /** The page's data; the pass history (read from its journal files) for `/passes` only. */
      const data = (path: string): Effect.Effect<PageData> =>
        Effect.gen(function* () {
          const status = yield* readDaemonStatus(sources)
          const passes = new Map<string, ReadonlyArray<PassStatus>>()
          if (path === "/passes")
            for (const source of yield* sources.all)
              passes.set(
                source.name,
                yield* daemonHistory({ source: source.name }).pipe(Effect.provideService(Sources, sources)),
              )
          const commits = new Map<string, CommitSummary>()
          for (const source of yield* sources.all) {
            const { settings } = source.configured
            if (settings.source._tag !== "Git") continue
            const checkout = checkoutDir(settings.dataDir, settings.source.repo)
            const shown = status.sources.find((s) => s.name === source.name)
            for (const sha of [shown?.lastAppliedRevision, shown?.lastAttemptedRevision, shown?.rollingOut]) {
              const summary = sha === undefined ? undefined : yield* commitOf(checkout, sha)
              if (sha !== undefined && summary !== undefined) commits.set(sha, summary)
            }
          }
          return { status, passes, commits, canSync: access.tokenSet }
        })

      const document = (title: string, main: Html, status = 200, live = true) =>
        HttpServerResponse.text(pageLayout(title, main, { live }).text, {
          status,
          contentType: "text/html; charset=utf-8",
          headers: securityHeaders,
        })

      /** A refused page: the login form (401) or why the page is off (403). */
      const refusedPage = (verdict: Extract<UiVerdict, { _tag: "Refused" }>, path: string) => {
        if (verdict.status === 403)
          return document("fleetd", html`<h1>Status page off</h1><p>${verdict.reason}</p>`, 403, false)
        const login = loginPage(path, undefined)
        return document(login.title, login.main, 401, false)
      }

      const page = (request: HttpServerRequest.HttpServerRequest) =>
        Effect.gen(function* () {
          const path = new URL(request.url, "http://fleetd").pathname
          const verdict = access.page(request)
          if (verdict._tag === "Refused") return refusedPage(verdict, path)
          const view = pageView(path, yield* data(path))
          if (view === undefined)
            return document(
              "Not found · fleetd",
              html`<h1>Not found</h1><p>No such page: <code>${path}</code>. <a href="/">Back to the fleets</a>.</p>`,
              404,
            )
          return document(view.title, view.main)
        })
      yield* router.add("GET", "/", page)
      yield* router.add("GET", "/passes", page)
      yield* router.add("GET", "/services/:source/:fleet/:service", page)

      yield* router.add("GET", "/events", (request) =>
        Effect.sync(() => {
          const verdict = access.page(request)
          if (verdict._tag === "Refused")
            return HttpServerResponse.text(verdict.reason, {
              status: verdict.status,
              headers: securityHeaders,
            })
          const path = new URL(request.url, "http://fleetd").searchParams.get("view") ?? "/"
          const render = Effect.map(data(path), (d) => {
            const view = pageView(path, d)
            return view === undefined
              ? html`<h1>Gone</h1><p>This page no longer exists.</p>`.text
              : view.main.text
          })
          // Polled, not pushed: reading a few Refs every 250 ms is cheap, and the page gets
          // exactly what a reload would show. Ends when the daemon shuts down.
          const events = Stream.unfold({ last: "", tick: 0 }, (state) =>
            Effect.gen(function* () {
              if (state.tick > 0) yield* Effect.sleep(eventPollMs)
              if (yield* draining.isDraining) return undefined
              const text = yield* render
              const out =
                state.tick === 0
                  ? `retry: 2000\n\n${sseEvent("main", text)}`
                  : text !== state.last
                    ? sseEvent("main", text)
                    : state.tick % keepAliveTicks === 0
                      ? ": keep-alive\n\n"
                      : ""
              return [out, { last: text, tick: state.tick + 1 }] as const
            }),
          ).pipe(
            Stream.filter((chunk) => chunk !== ""),
            Stream.encodeText,
          )
          return HttpServerResponse.stream(events, {
            contentType: "text/event-stream; charset=utf-8",
            headers: { ...securityHeaders, "x-accel-buffering": "no" },
          })
        }),
      )

      yield* router.add("GET", "/login", (request) =>
        Effect.sync(() => {
          if (!access.tokenSet) return HttpServerResponse.redirect("/", { status: 303 })
          const login = loginPage(
            safeNext(new URL(request.url, "http://fleetd").searchParams.get("next")),
            undefined,
          )
          return document(login.title, login.main, 200, false)
        }),
      )
      yield* router.add("POST", "/login", (request) =>
        Effect.gen(function* () {
          if (!access.tokenSet || access.sessionValue === undefined)
            return HttpServerResponse.redirect("/", { status: 303 })
          const body = yield* Effect.result(readBodyCapped(request.stream, 4096, "10 seconds"))
          if (body._tag === "Failure")
            return HttpServerResponse.text(
              body.failure instanceof BodyTooLarge ? "login form too large" : "could not read the login form",
              { status: 400 },
            )
          const form = new URLSearchParams(new TextDecoder().decode(body.success))
          const next = safeNext(form.get("next"))
          if (!access.isToken(form.get("token") ?? "")) {
            yield* Effect.logWarning("page login refused").pipe(
              Effect.annotateLogs({ reason: "wrong token" }),
            )
            // Slows guessing one try at a time; the token's length is what makes guessing hopeless.
            yield* Effect.sleep(wrongLoginDelayMs)
            const login = loginPage(next, "Wrong token.")
            return document(login.title, login.main, 401, false)
          }
          return HttpServerResponse.redirect(next, { status: 303 }).pipe(
            HttpServerResponse.setCookieUnsafe(sessionCookie, access.sessionValue, {
              httpOnly: true,
              sameSite: "strict",
              path: "/",
              maxAge: "7 days",
            }),
          )
        }),
      )
    }),
  )
