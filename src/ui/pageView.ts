import type { Html } from "./html.ts"
import { overviewPage } from "./overviewPage.ts"
import type { PageData } from "./pageData.ts"
import { passesPage } from "./passesPage.ts"
import { servicePage } from "./servicePage.ts"

export interface PageView {
  readonly title: string
  readonly main: Html
}

/**
 * The page at `path` (`/`, `/passes`, `/services/<source>/<fleet>/<service>`) rendered
 * from `data`, or undefined when there is none. The page routes and `/events` both use
 * it, so a live update is exactly what a reload would show.
 */
export const pageView = (path: string, data: PageData): PageView | undefined => {
  if (path === "/") return overviewPage(data)
  if (path === "/passes") return passesPage(data)
  const match = /^\/services\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path)
  if (match === null) return undefined
  try {
    const [source, fleet, service] = match.slice(1).map((part) => decodeURIComponent(part ?? ""))
    return servicePage(data, source ?? "", fleet ?? "", service ?? "")
  } catch {
    // A malformed %-escape: no such page.
    return undefined
  }
}
