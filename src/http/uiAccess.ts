import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"
import type { HttpServerRequest } from "effect/http"
import { checkBearer } from "./bearerToken.ts"

/** The session cookie `/login` sets: an HMAC of the UI token, never the token itself. */
export const sessionCookie = "fleetd_ui"

/** How a request stands with the page's access rules (docs/page.md). */
export type UiVerdict =
  | { readonly _tag: "Granted" }
  | { readonly _tag: "Refused"; readonly status: 401 | 403; readonly reason: string }

const granted: UiVerdict = { _tag: "Granted" }

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest()

/** Constant time over digests: neither content nor length leaks through timing. */
const sameSecret = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected))

/** Loopback listeners only: 127.0.0.0/8, ::1 and localhost. `0.0.0.0` and `::` are exposed. */
export const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)

/**
 * The page's access rules, from `FLEETD_UI_TOKEN` and the listener's host. With a token,
 * a request needs the session cookie (`/login`) or `Authorization: Bearer <token>`.
 * Without one, the page is open on loopback and refused (403) on an exposed listener,
 * while `/status` stays open as it was before the page existed.
 */
export const uiAccess = (token: Redacted.Redacted<string> | undefined, listenHost: string) => {
  const secret = token === undefined || Redacted.value(token) === "" ? undefined : token
  // Bound to the token: changing FLEETD_UI_TOKEN logs every browser out.
  const session =
    secret === undefined
      ? undefined
      : createHmac("sha256", Redacted.value(secret)).update("fleetd-ui-session-v1").digest("hex")

  const credentials = (request: HttpServerRequest.HttpServerRequest): UiVerdict => {
    if (secret === undefined || session === undefined) return granted
    if (checkBearer(request.headers["authorization"], secret) === "ok") return granted
    const cookie = request.cookies[sessionCookie]
    if (cookie !== undefined && sameSecret(cookie, session)) return granted
    return {
      _tag: "Refused",
      status: 401,
      reason: "log in at /login, or send Authorization: Bearer <FLEETD_UI_TOKEN>",
    }
  }

  return {
    /** Whether FLEETD_UI_TOKEN is set (then "Sync now" can work). */
    tokenSet: secret !== undefined,
    /** The page and `/events`. */
    page: (request: HttpServerRequest.HttpServerRequest): UiVerdict =>
      secret === undefined && !isLoopback(listenHost)
        ? {
            _tag: "Refused",
            status: 403,
            reason:
              "the status page is off on a listener that is not loopback: set FLEETD_UI_TOKEN (or FLEETD_UI_TOKEN_FILE) to open it with a token",
          }
        : credentials(request),
    /** `/status` (and the history): open without a token, as before the page. */
    status: credentials,
    /** Whether `given` is the token (the login form); constant time. */
    isToken: (given: string): boolean => secret !== undefined && sameSecret(given, Redacted.value(secret)),
    /** The cookie value a login sets; undefined without a token. */
    sessionValue: session,
    /** Whether the request carries a valid session cookie (not a bearer: the page's button). */
    hasSession: (request: HttpServerRequest.HttpServerRequest): boolean => {
      const cookie = request.cookies[sessionCookie]
      return session !== undefined && cookie !== undefined && sameSecret(cookie, session)
    },
  }
}

export type UiAccess = ReturnType<typeof uiAccess>

/**
 * A state-changing request made by this page, not by another site: its `Origin` is the
 * host it was sent to, or the browser says `Sec-Fetch-Site: same-origin`. A cookie alone
 * is not enough (SameSite=Strict already stops most cross-site sends; this stops the rest).
 */
export const sameOrigin = (request: HttpServerRequest.HttpServerRequest): boolean => {
  const site = request.headers["sec-fetch-site"]
  if (site !== undefined) return site === "same-origin"
  const origin = request.headers["origin"]
  const host = request.headers["host"]
  if (origin === undefined || host === undefined) return false
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}
