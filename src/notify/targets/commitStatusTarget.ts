import type { NotifyEvent } from "../NotifyEvent.ts"
import { rolloutKinds } from "../NotifyEvent.ts"
import { jsonHeaders, type NotifyTarget, TargetUrlError } from "./NotifyTarget.ts"

/** A full git commit id (SHA-1, or SHA-256): forges take a status only for one. */
const commitId = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

/** GitHub cuts a status description at 140 characters; the others take at least that. */
const maxDescription = 140

/** The commit-status state of a rollout event: `pending`, `success` or `failure`. */
export type CommitState = "pending" | "success" | "failure"

const stateOf = (event: NotifyEvent): CommitState =>
  event.kind === "RolloutStarted" ? "pending" : event.kind === "RolloutSucceeded" ? "success" : "failure"

/** The parts every forge's commit status has, from a rollout event. */
export interface CommitStatus {
  readonly sha: string
  readonly state: CommitState
  /** `fleetd/SOURCE`: one status per source, which each later state replaces. */
  readonly context: string
  readonly description: string
  readonly targetUrl: string | undefined
}

/** `TOKEN@` of a forge URL, or a TargetUrlError showing the form `usage`. */
export const forgeToken = (url: URL, usage: string) => {
  const token = decodeURIComponent(url.username)
  if (token === "" || url.password !== "" || url.hostname === "")
    throw new TargetUrlError(`${url.protocol}// takes a token and a host: ${usage}`)
  return token
}

/**
 * A forge commit-status target: takes only rollout events of a git commit (a directory
 * source's revision is no commit), and builds the forge's request with `build`.
 */
export const commitStatusTarget = (
  label: string,
  scheme: string,
  build: (
    status: CommitStatus,
    headers: Readonly<Record<string, string>>,
  ) => {
    readonly url: string
    readonly headers: Readonly<Record<string, string>>
    readonly body: Record<string, unknown>
  },
): NotifyTarget => ({
  label,
  scheme,
  accepts: (event) => rolloutKinds.has(event.kind) && commitId.test(event.revision ?? ""),
  request: (event, pageUrl) => {
    const text = event.detail === undefined ? event.title : `${event.title}: ${event.detail}`
    const request = build(
      {
        sha: event.revision ?? "",
        state: stateOf(event),
        context: `fleetd/${event.source}`,
        description: text.length <= maxDescription ? text : `${text.slice(0, maxDescription - 1)}…`,
        targetUrl: pageUrl,
      },
      jsonHeaders,
    )
    return { method: "POST", url: request.url, headers: request.headers, body: JSON.stringify(request.body) }
  },
})
