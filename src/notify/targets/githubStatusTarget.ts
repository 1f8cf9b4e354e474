import { commitStatusTarget, forgeToken } from "./commitStatusTarget.ts"
import { segments, TargetUrlError } from "./NotifyTarget.ts"
import { webhookBase } from "./webhookBase.ts"

const usage = "github-status://TOKEN@github.com/OWNER/REPO (or a GitHub Enterprise host)"

/**
 * `github-status://TOKEN@HOST/OWNER/REPO`: GitHub's "create a commit status",
 * `POST /repos/OWNER/REPO/statuses/SHA` with `{state, target_url, description, context}`,
 * at `https://api.github.com` for github.com and `https://HOST/api/v3` for GitHub
 * Enterprise Server. `?base=` names another API address (webhookBase).
 */
export const githubStatusTarget = (url: URL, label: string) => {
  const token = forgeToken(url, usage)
  const path = segments(url)
  if (path.length !== 2) throw new TargetUrlError(`github-status:// names one repository: ${usage}`)
  const [owner, repo] = path.map(encodeURIComponent)
  const base = webhookBase(
    url,
    url.host === "github.com" ? "https://api.github.com" : `https://${url.host}/api/v3`,
  )
  return commitStatusTarget(label, "github-status", (status, json) => ({
    url: `${base}/repos/${owner}/${repo}/statuses/${status.sha}`,
    headers: {
      ...json,
      accept: "application/vnd.github+json",
      authorization: `Bearer ${token}`,
      "x-github-api-version": "2022-11-28",
      // GitHub refuses a request without a User-Agent.
      "user-agent": "fleetd",
    },
    body: {
      state: status.state,
      ...(status.targetUrl === undefined ? {} : { target_url: status.targetUrl }),
      description: status.description,
      context: status.context,
    },
  }))
}
