import type { NotifyEvent } from "../NotifyEvent.ts"

/** One HTTP request a target sends for an event: built purely, sent by the Notifier. */
export interface TargetRequest {
  readonly method: "POST"
  /** Holds tokens: never logged, never shown on /status. */
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  /** The exact bytes sent (JSON); a signature is computed over them. */
  readonly body: string
}

/** A parsed notification URL: what can be shown of it, and how it turns an event into a request. */
export interface NotifyTarget {
  /** `json #2`: the scheme and the URL's place in the list, all logs and /status show. */
  readonly label: string
  readonly scheme: string
  /** `pageUrl`: the daemon's public address (`public_url`), linked from messages when set. */
  readonly request: (event: NotifyEvent, pageUrl: string | undefined) => TargetRequest
  /** The events it takes; without, every event but a rollout's (isMessageEvent). */
  readonly accepts?: (event: NotifyEvent) => boolean
}

/** Why a notification URL was refused; never repeats the URL (it holds tokens). */
export class TargetUrlError extends Error {}

/** `http` or `https` for a scheme and its `s` variant (`ntfy`/`ntfys`): plain only when asked. */
export const httpBase = (url: URL, secureScheme: boolean) => {
  if (url.hostname === "")
    throw new TargetUrlError(`${url.protocol}// needs a host: ${url.protocol}//HOST[:PORT]/...`)
  return `${secureScheme ? "https" : "http"}://${url.host}`
}

/** The message text of an event: its title, its detail, and the link to the page. */
export const messageText = (event: NotifyEvent, pageUrl: string | undefined) =>
  [
    event.title,
    ...(event.detail === undefined ? [] : [event.detail]),
    ...(pageUrl === undefined ? [] : [pageUrl]),
  ].join("\n")

export const jsonHeaders = { "content-type": "application/json" } as const

/** A path segment of the URL, decoded, or a TargetUrlError naming what is missing. */
export const segments = (url: URL) =>
  url.pathname
    .split("/")
    .filter((s) => s !== "")
    .map((s) => decodeURIComponent(s))

/** `USER:PASSWORD@` of the URL as a basic `authorization` header, or no header. */
export const basicAuth = (url: URL): Readonly<Record<string, string>> =>
  url.username === ""
    ? {}
    : {
        authorization: `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`,
      }
