import { TargetUrlError } from "./NotifyTarget.ts"

/**
 * The `base=` parameter of `slack://`, `discord://` and the forge commit statuses: another address for the
 * service's API (a compatible server, a proxy, or a test receiver on loopback), e.g.
 * `?base=http://127.0.0.1:8080`. Without it, the service's own HTTPS address.
 */
export const webhookBase = (url: URL, defaultBase: string) => {
  const base = url.searchParams.get("base")
  if (base === null || base === "") return defaultBase
  let parsed: URL
  try {
    parsed = new URL(base)
  } catch {
    throw new TargetUrlError(`${url.protocol}// base= is not an http(s) address`)
  }
  if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.search !== "")
    throw new TargetUrlError(`${url.protocol}// base= must be http(s)://HOST[:PORT][/PATH], without a query`)
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/$/, "")}`
}
