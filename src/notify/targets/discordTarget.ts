import { jsonHeaders, messageText, type NotifyTarget, TargetUrlError } from "./NotifyTarget.ts"
import { webhookBase } from "./webhookBase.ts"

/** Discord refuses a message `content` over 2,000 characters. */
const maxContent = 2000

/**
 * `discord://TOKEN@WEBHOOK_ID` (Shoutrrr's form): Discord's execute-webhook,
 * `POST https://discord.com/api/webhooks/WEBHOOK_ID/TOKEN` with `{"content": ...}`.
 * `?base=` sends it elsewhere (webhookBase).
 */
export const discordTarget = (url: URL, label: string): NotifyTarget => {
  const token = decodeURIComponent(url.username)
  const id = url.hostname
  if (token === "" || id === "" || url.pathname.replace(/\//g, "") !== "" || url.port !== "")
    throw new TargetUrlError("discord:// takes the webhook's token and id: discord://TOKEN@WEBHOOK_ID")
  const base = webhookBase(url, "https://discord.com")
  return {
    label,
    scheme: "discord",
    request: (event, pageUrl) => {
      const text = messageText(event, pageUrl)
      return {
        method: "POST",
        url: `${base}/api/webhooks/${encodeURIComponent(id)}/${encodeURIComponent(token)}`,
        headers: jsonHeaders,
        body: JSON.stringify({
          content: text.length <= maxContent ? text : `${text.slice(0, maxContent - 1)}…`,
        }),
      }
    },
  }
}
