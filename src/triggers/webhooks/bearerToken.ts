import { Redacted } from "effect"
import { safeEqual } from "./constantTime.ts"
import { header, type WebhookRequest } from "./WebhookRequest.ts"

/**
 * Undefined when `Authorization` carries the secret, else why not. `Bearer <secret>`;
 * with `bare`, also the secret alone (Harbor sends its "Auth Header" value as it is).
 */
export const checkBearer = (
  request: WebhookRequest,
  secret: Redacted.Redacted<string>,
  options: { readonly bare?: boolean } = {},
): string | undefined => {
  const authorization = header(request, "authorization")
  if (authorization === undefined) return "missing Authorization header"
  const bearer = /^Bearer +(\S+)\s*$/i.exec(authorization)?.[1]
  const token = bearer ?? (options.bare === true ? authorization.trim() : undefined)
  if (token === undefined) return "Authorization is not a Bearer token"
  return safeEqual(token, Redacted.value(secret)) ? undefined : "bearer token does not match the secret"
}
