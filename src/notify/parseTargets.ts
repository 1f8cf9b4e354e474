import type { NotifyTarget } from "./targets/NotifyTarget.ts"
import { parseTarget, splitTargetUrls } from "./targets/parseTarget.ts"

/**
 * The text of `FLEETD_NOTIFY_URLS` (or of the file or variable the config file names) →
 * the targets, or the first problem (which names a URL by its place only; the caller
 * says where the text came from).
 */
export const parseTargets = (
  text: string,
): { readonly targets: ReadonlyArray<NotifyTarget> } | { readonly problem: string } => {
  const targets: Array<NotifyTarget> = []
  for (const [index, url] of splitTargetUrls(text).entries()) {
    const target = parseTarget(url, index)
    if (target instanceof Error) return { problem: target.message }
    targets.push(target)
  }
  return targets.length === 0 ? { problem: "it lists no notification URL" } : { targets }
}
