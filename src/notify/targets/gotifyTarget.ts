import type { NotifySeverity } from "../NotifyEvent.ts"
import { httpBase, jsonHeaders, type NotifyTarget, segments, TargetUrlError } from "./NotifyTarget.ts"

/** Gotify's priorities: 8 and up may ring, 4-7 notify, below quietly (the app decides). */
const priority: Record<NotifySeverity, number> = { error: 8, warning: 6, success: 5, info: 4 }

/**
 * `gotify://HOST[:PORT][/SUBPATH]/TOKEN` (plain HTTP) and `gotifys://` (HTTPS), as in
 * Shoutrrr: a POST to `/message` with the application token in `X-Gotify-Key`, and
 * the page link as the notification's click URL (Gotify's `client::notification` extra).
 */
export const gotifyTarget = (url: URL, label: string): NotifyTarget => {
  const base = httpBase(url, url.protocol === "gotifys:")
  const parts = segments(url)
  const token = parts.pop()
  if (token === undefined)
    throw new TargetUrlError(`${url.protocol}// needs the application token: ${url.protocol}//HOST/TOKEN`)
  const path = parts.map(encodeURIComponent).join("/")
  return {
    label,
    scheme: url.protocol.slice(0, -1),
    request: (event, pageUrl) => ({
      method: "POST",
      url: `${base}/${path === "" ? "" : `${path}/`}message`,
      headers: { ...jsonHeaders, "x-gotify-key": token },
      body: JSON.stringify({
        title: event.title,
        message: event.detail ?? event.title,
        priority: priority[event.severity],
        ...(pageUrl === undefined ? {} : { extras: { "client::notification": { click: { url: pageUrl } } } }),
      }),
    }),
  }
}
