import { commitStatusTarget, forgeToken } from "./commitStatusTarget.ts"
import { segments, TargetUrlError } from "./NotifyTarget.ts"
import { webhookBase } from "./webhookBase.ts"

const usage = "gitea-status://TOKEN@HOST[:PORT][/PATH]/OWNER/REPO"

/**
 * `gitea-status://TOKEN@HOST/OWNER/REPO`: Gitea's and Forgejo's
 * `POST /api/v1/repos/OWNER/REPO/statuses/SHA` with `{state, target_url, description,
 * context}` and `Authorization: token TOKEN`, over HTTPS. Segments before OWNER/REPO
 * are the forge's sub-path (`gitea-status://T@host/git/acme/fleet`). `?base=` names
 * another address (webhookBase), then the sub-path is base's.
 */
export const giteaStatusTarget = (url: URL, label: string) => {
  const token = forgeToken(url, usage)
  const path = segments(url)
  if (path.length < 2) throw new TargetUrlError(`gitea-status:// names one repository: ${usage}`)
  const [owner, repo] = path.slice(-2).map(encodeURIComponent)
  const prefix = path
    .slice(0, -2)
    .map((s) => `/${encodeURIComponent(s)}`)
    .join("")
  const base = webhookBase(url, `https://${url.host}${prefix}`)
  return commitStatusTarget(label, "gitea-status", (status, json) => ({
    url: `${base}/api/v1/repos/${owner}/${repo}/statuses/${status.sha}`,
    headers: { ...json, authorization: `token ${token}` },
    body: {
      state: status.state,
      ...(status.targetUrl === undefined ? {} : { target_url: status.targetUrl }),
      description: status.description,
      context: status.context,
    },
  }))
}
