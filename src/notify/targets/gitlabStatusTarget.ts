import { type CommitState, commitStatusTarget, forgeToken } from "./commitStatusTarget.ts"
import { segments, TargetUrlError } from "./NotifyTarget.ts"
import { webhookBase } from "./webhookBase.ts"

const usage = "gitlab-status://TOKEN@HOST/GROUP/PROJECT (a path with subgroups, or the project's numeric id)"

/** GitLab's words: a rollout under way is `running` (its `pending` means waiting to start). */
const gitlabState: Record<CommitState, string> = { pending: "running", success: "success", failure: "failed" }

/**
 * `gitlab-status://TOKEN@HOST/PROJECT_PATH_OR_ID`: GitLab's
 * `POST /api/v4/projects/ID/statuses/SHA` (the project's path URL-encoded as one
 * segment) with `{state, name, target_url, description}` and the token in
 * `PRIVATE-TOKEN`, over HTTPS. `?base=` names another address (webhookBase).
 */
export const gitlabStatusTarget = (url: URL, label: string) => {
  const token = forgeToken(url, usage)
  const path = segments(url)
  if (path.length === 0) throw new TargetUrlError(`gitlab-status:// names one project: ${usage}`)
  const project = encodeURIComponent(path.join("/"))
  const base = webhookBase(url, `https://${url.host}`)
  return commitStatusTarget(label, "gitlab-status", (status, json) => ({
    url: `${base}/api/v4/projects/${project}/statuses/${status.sha}`,
    headers: { ...json, "private-token": token },
    body: {
      state: gitlabState[status.state],
      name: status.context,
      ...(status.targetUrl === undefined ? {} : { target_url: status.targetUrl }),
      description: status.description,
    },
  }))
}
