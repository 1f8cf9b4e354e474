import { jsonHeaders, messageText, type NotifyTarget, segments, TargetUrlError } from "./NotifyTarget.ts"
import { webhookBase } from "./webhookBase.ts"

/**
 * `slack://TOKEN_A/TOKEN_B/TOKEN_C` (Shoutrrr's form): a Slack incoming webhook,
 * `https://hooks.slack.com/services/TOKEN_A/TOKEN_B/TOKEN_C`, posted `{"text": ...}`
 * (https://api.slack.com/messaging/webhooks). `?base=` sends it elsewhere (webhookBase).
 */
export const slackTarget = (url: URL, label: string): NotifyTarget => {
  // The first token is the URL's host part: `slack://T000/B000/XXX`.
  const tokens = [decodeURIComponent(url.hostname), ...segments(url)].filter((t) => t !== "")
  if (tokens.length !== 3 || url.port !== "")
    throw new TargetUrlError("slack:// takes the webhook's three tokens: slack://TOKEN_A/TOKEN_B/TOKEN_C")
  const base = webhookBase(url, "https://hooks.slack.com")
  return {
    label,
    scheme: "slack",
    request: (event, pageUrl) => ({
      method: "POST",
      url: `${base}/services/${tokens.map(encodeURIComponent).join("/")}`,
      headers: jsonHeaders,
      body: JSON.stringify({ text: messageText(event, pageUrl) }),
    }),
  }
}
