/**
 * The forge's page of commit `sha` of the repository at `location` (an https URL with
 * its credentials already redacted), or undefined when the host is not one whose URL
 * scheme is known: GitHub, GitLab (`/-/commit/`), Gitea, Forgejo and Codeberg. Never
 * a guess: a link to a page that does not exist is worse than none.
 */
export const forgeCommitUrl = (location: string, sha: string): string | undefined => {
  if (!/^[0-9a-f]{7,64}$/.test(sha)) return undefined
  let url: URL
  try {
    url = new URL(location)
  } catch {
    return undefined
  }
  if (url.protocol !== "https:" || url.username !== "" || url.password !== "") return undefined
  const path = url.pathname.replace(/\.git$/, "").replace(/\/+$/, "")
  if (path.split("/").filter((p) => p !== "").length < 2) return undefined
  const host = url.hostname.toLowerCase()
  const base = `https://${url.host}${path}`
  if (host === "gitlab.com" || host.startsWith("gitlab.")) return `${base}/-/commit/${sha}`
  if (
    host === "github.com" ||
    host === "codeberg.org" ||
    host.startsWith("gitea.") ||
    host.startsWith("forgejo.")
  )
    return `${base}/commit/${sha}`
  return undefined
}
