/**
 * Credentials out of everything fleetd shows: URLs lose their userinfo, and known
 * secrets (a token, a URL password, the Authorization header built from them) are
 * masked wherever they appear, since git and curl may echo them in odd places.
 */

const userinfo = /\b([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]*)@/gi

/**
 * `https://user:secret@host/x` → `https://***@host/x` (an http user alone may be a
 * token); other schemes keep their login: `ssh://git:pw@host` → `ssh://git:***@host`,
 * `ssh://git@host` unchanged. scp-like `git@host:x` carries no secret.
 */
export const redactUrl = (text: string): string =>
  text.replace(userinfo, (_, scheme: string, info: string) => {
    if (/^https?:\/\/$/i.test(scheme)) return `${scheme}***@`
    const colon = info.indexOf(":")
    return colon === -1 ? `${scheme}${info}@` : `${scheme}${info.slice(0, colon)}:***@`
  })

/** Secrets shorter than this are not masked on their own: they would mangle ordinary words. */
const minimumSecretLength = 4

/** Masks every URL userinfo and every occurrence of the given secrets. */
export const redactSecrets = (text: string, secrets: ReadonlyArray<string>): string => {
  let out = redactUrl(text)
  const ordered = secrets.filter((s) => s.length >= minimumSecretLength).sort((a, b) => b.length - a.length)
  for (const secret of ordered) out = out.split(secret).join("***")
  return out
}

/**
 * The secrets hidden in a repository URL's userinfo, raw and percent-decoded. Only
 * http(s) userinfo is secret: `ssh://git@host` names a login, not a credential.
 * A user without a password is taken as a token (`https://TOKEN@host`).
 */
export const urlSecrets = (url: string): Array<string> => {
  const match = /^https?:\/\/([^/?#@\s]*)@/i.exec(url)
  const info = match?.[1]
  if (info === undefined || info === "") return []
  const colon = info.indexOf(":")
  const parts = colon === -1 ? [info] : [info.slice(colon + 1)]
  return parts.flatMap((raw) => {
    let decoded = raw
    try {
      decoded = decodeURIComponent(raw)
    } catch {
      // A malformed escape is still masked in its raw form.
    }
    return decoded === raw ? [raw] : [raw, decoded]
  })
}
