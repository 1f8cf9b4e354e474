import { createHmac } from "node:crypto"
import type { NotifyEvent } from "../NotifyEvent.ts"
import { basicAuth, httpBase, jsonHeaders, type NotifyTarget } from "./NotifyTarget.ts"

/** The body `json://` posts: the event as it is, and the page link (docs/notifications.md). */
export const jsonBody = (event: NotifyEvent, pageUrl: string | undefined) =>
  JSON.stringify({
    kind: event.kind,
    severity: event.severity,
    source: event.source,
    ...(event.fleet === undefined ? {} : { fleet: event.fleet }),
    ...(event.service === undefined ? {} : { service: event.service }),
    ...(event.revision === undefined ? {} : { revision: event.revision }),
    title: event.title,
    ...(event.detail === undefined ? {} : { detail: event.detail }),
    at: event.at,
    ...(pageUrl === undefined ? {} : { url: pageUrl }),
  })

/** `sha256=<hex>` of the body, keyed with the secret: a receiver checks who sent it. */
export const signBody = (secret: string, body: string) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`

/**
 * `json://HOST[:PORT]/PATH[?secret=S]` (plain HTTP) and `jsons://` (HTTPS): a JSON POST
 * of the event to that address; with a secret, an `X-Fleetd-Signature` header. The
 * `secret` parameter is not sent; other query parameters are.
 */
export const jsonTarget = (url: URL, label: string): NotifyTarget => {
  const base = httpBase(url, url.protocol === "jsons:")
  const query = new URLSearchParams(url.search)
  const secret = query.get("secret") ?? undefined
  query.delete("secret")
  const target = `${base}${url.pathname === "" ? "/" : url.pathname}${query.size === 0 ? "" : `?${query}`}`
  const auth = basicAuth(url)
  return {
    label,
    scheme: url.protocol.slice(0, -1),
    request: (event, pageUrl) => {
      const body = jsonBody(event, pageUrl)
      return {
        method: "POST",
        url: target,
        headers: {
          ...jsonHeaders,
          ...auth,
          ...(secret === undefined || secret === "" ? {} : { "x-fleetd-signature": signBody(secret, body) }),
        },
        body,
      }
    },
  }
}
