import { discordTarget } from "./discordTarget.ts"
import { giteaStatusTarget } from "./giteaStatusTarget.ts"
import { githubStatusTarget } from "./githubStatusTarget.ts"
import { gitlabStatusTarget } from "./gitlabStatusTarget.ts"
import { gotifyTarget } from "./gotifyTarget.ts"
import { jsonTarget } from "./jsonTarget.ts"
import { type NotifyTarget, TargetUrlError } from "./NotifyTarget.ts"
import { ntfyTarget } from "./ntfyTarget.ts"
import { slackTarget } from "./slackTarget.ts"

const schemes: Record<string, (url: URL, label: string) => NotifyTarget> = {
  "json:": jsonTarget,
  "jsons:": jsonTarget,
  "ntfy:": ntfyTarget,
  "ntfys:": ntfyTarget,
  "gotify:": gotifyTarget,
  "gotifys:": gotifyTarget,
  "slack:": slackTarget,
  "discord:": discordTarget,
  "github-status:": githubStatusTarget,
  "gitea-status:": giteaStatusTarget,
  "gitlab-status:": gitlabStatusTarget,
}

export const supportedSchemes = Object.keys(schemes).map((s) => s.slice(0, -1))

/**
 * Pure: the `index`th notification URL (0-based) → its target, or an error that names
 * the URL by its scheme and place only: the URL holds tokens and is never repeated.
 */
export const parseTarget = (text: string, index: number): NotifyTarget | TargetUrlError => {
  const place = `notification URL #${index + 1}`
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    return new TargetUrlError(`${place} is not a URL (scheme://...): see docs/notifications.md`)
  }
  const make = schemes[url.protocol]
  if (make === undefined)
    return new TargetUrlError(
      `${place}: unknown scheme ${url.protocol.slice(0, -1)}; fleetd knows ${supportedSchemes.join(", ")}`,
    )
  try {
    return make(url, `${url.protocol.slice(0, -1)} #${index + 1}`)
  } catch (e) {
    return e instanceof TargetUrlError
      ? new TargetUrlError(`${place}: ${e.message}`)
      : new TargetUrlError(`${place}: ${String(e)}`)
  }
}

/** `FLEETD_NOTIFY_URLS`: URLs separated by commas or newlines; blank entries and `#` lines skipped. */
export const splitTargetUrls = (text: string) =>
  text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== "" && !s.startsWith("#"))
