import type { SourceConfig } from "../../domain/SourceConfig.ts"
import { Verdict } from "./Verdict.ts"

/** Full refs (`refs/heads/main`) whose movement should start a pass. */
export type TrackedRefs = ReadonlyArray<string>

/**
 * What a webhook can move. A tracked branch is followed by its head. A pinned ref
 * (`--ref v1.2`) only changes when that tag (or a branch of that name) is pushed;
 * a pinned commit never moves. Directory mode follows no ref: only a generic hook
 * without a ref triggers there.
 */
export const trackedRefs = (source: SourceConfig): TrackedRefs => {
  if (source._tag === "Dir") return []
  if (source.ref !== undefined) return [`refs/tags/${source.ref}`, `refs/heads/${source.ref}`]
  return [`refs/heads/${source.branch}`]
}

export const branchRef = (branch: string): string => `refs/heads/${branch}`

/** Keeps attacker- or provider-supplied names short and printable in reasons and logs. */
export const shown = (value: string): string => {
  const clean = value.replace(/[^\w./:@+ -]/g, "?")
  return clean.length > 120 ? `${clean.slice(0, 120)}…` : clean
}

/** The verdict reason for an authenticated push or merge that fleetd does not follow. */
export const untrackedReason = (ref: string): string =>
  ref.startsWith("refs/tags/") ? `tag ${shown(ref)} is not tracked` : `${shown(ref)} is not the tracked ref`

/** A push or merge that moved `ref`: accepted when `ref` is tracked, else ignored. */
export const verdictForRef = (ref: string, tracked: TrackedRefs, id: string | undefined): Verdict =>
  tracked.includes(ref) ? Verdict.accepted(ref, id) : Verdict.ignored(untrackedReason(ref))

/** Git's all-zero object id: the `after` of a push that deleted the ref. */
export const isZeroSha = (sha: string | null | undefined): boolean =>
  typeof sha === "string" && /^0+$/.test(sha)
