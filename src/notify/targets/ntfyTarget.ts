import type { NotifySeverity } from "../NotifyEvent.ts"
import {
  basicAuth,
  httpBase,
  jsonHeaders,
  type NotifyTarget,
  segments,
  TargetUrlError,
} from "./NotifyTarget.ts"

/** ntfy's priorities run 1 (min) to 5 (max), 3 being the default. */
const priority: Record<NotifySeverity, number> = { error: 5, warning: 4, success: 3, info: 3 }
/** Tags whose names ntfy shows as emoji. */
const tags: Record<NotifySeverity, string> = {
  error: "rotating_light",
  warning: "warning",
  success: "white_check_mark",
  info: "package",
}

/**
 * `ntfy://[USER:PASSWORD@]HOST[:PORT]/TOPIC[?token=TOKEN]` (plain HTTP) and `ntfys://`
 * (HTTPS): ntfy's JSON publishing, a POST to the server's root with the topic in the
 * body (https://docs.ntfy.sh/publish/#publish-as-json); basic auth or an access token.
 */
export const ntfyTarget = (url: URL, label: string): NotifyTarget => {
  const base = httpBase(url, url.protocol === "ntfys:")
  const [topic, ...rest] = segments(url)
  if (topic === undefined || rest.length > 0)
    throw new TargetUrlError(`${url.protocol}// takes one topic: ${url.protocol}//HOST/TOPIC`)
  const token = url.searchParams.get("token")
  const auth = token !== null && token !== "" ? { authorization: `Bearer ${token}` } : basicAuth(url)
  return {
    label,
    scheme: url.protocol.slice(0, -1),
    request: (event, pageUrl) => ({
      method: "POST",
      url: `${base}/`,
      headers: { ...jsonHeaders, ...auth },
      body: JSON.stringify({
        topic,
        title: event.title,
        message: event.detail ?? event.title,
        priority: priority[event.severity],
        tags: [tags[event.severity]],
        ...(pageUrl === undefined ? {} : { click: pageUrl }),
      }),
    }),
  }
}
