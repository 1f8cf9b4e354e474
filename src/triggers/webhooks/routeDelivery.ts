import type { Redacted } from "effect"
import { repositoryMatches } from "./repositoryMatches.ts"
import { shown, type TrackedRefs } from "./trackedRefs.ts"
import { Verdict, type Verdict as VerdictType } from "./Verdict.ts"
import type { WebhookProvider } from "./WebhookProvider.ts"
import type { WebhookRequest } from "./WebhookRequest.ts"

/** A source that takes deliveries for one provider at the shared `/hooks/<provider>` URL. */
export interface RouteCandidate {
  readonly name: string
  /** Its secret for this provider; the caller passes only sources with a non-empty one. */
  readonly secret: Redacted.Redacted<string>
  readonly tracked: TrackedRefs
  /**
   * The repository it answers to: `webhook.repository`, else its git `repo` URL.
   * Undefined (a directory source) matches no named repository.
   */
  readonly repository: string | undefined
}

/** One selected source and what its provider decided for it (its own tracked refs). */
export interface RoutedDelivery {
  readonly source: string
  readonly verdict: VerdictType
}

/**
 * - `Routed`: the sources the delivery is for, each with its verdict (never empty).
 * - `Unauthorized`: no candidate's secret authenticates it, or it names a repository
 *   whose sources it is not signed for. 401; the reason names no source.
 * - `Unrouted`: authenticated, but no source follows the repository it names: an
 *   `Ignored` verdict, answered 2xx like any delivery fleetd does not follow.
 */
export type Routing =
  | { readonly _tag: "Routed"; readonly deliveries: ReadonlyArray<RoutedDelivery> }
  | { readonly _tag: "Unauthorized"; readonly reason: string }
  | { readonly _tag: "Unrouted"; readonly verdict: VerdictType }

const namedRepository = (verdict: VerdictType): ReadonlyArray<string> =>
  verdict._tag === "Accepted" || verdict._tag === "Ignored" ? (verdict.repository ?? []) : []

/**
 * Decides which sources one delivery at `POST /hooks/<provider>` is for. Pure.
 *
 * Every candidate's secret is tried (each check constant-time, their number bounded by
 * the sources); the ones that authenticate the delivery are the only sources it can
 * reach. Among those, the repository the payload names selects: a source is selected
 * when its `repository` matches (`repositoryMatches`). A delivery that names a
 * repository only other sources follow was signed with the wrong secret and is refused;
 * one that names a repository no source follows is ignored (2xx). A delivery that
 * names none (an image push, a generic hook without `"repository"`, a ping) goes to
 * every source it authenticates for; the route then filters image pushes by the
 * images each source tracks.
 */
export const routeDelivery = (
  provider: WebhookProvider,
  request: WebhookRequest,
  candidates: ReadonlyArray<RouteCandidate>,
): Routing => {
  const verdicts = candidates.map((candidate) => ({
    candidate,
    verdict: provider.verify(request, candidate.secret, candidate.tracked),
  }))
  const authenticated = verdicts.filter(({ verdict }) => verdict._tag !== "Unauthorized")
  if (authenticated.length === 0) {
    // All refusals are alike (same headers, same body): any one says why, naming no source.
    const refused = verdicts[0]?.verdict
    return {
      _tag: "Unauthorized",
      reason: refused?._tag === "Unauthorized" ? refused.reason : "no source takes deliveries at this URL",
    }
  }
  const deliveries = (chosen: typeof authenticated): Routing => ({
    _tag: "Routed",
    deliveries: chosen.map(({ candidate, verdict }) => ({ source: candidate.name, verdict })),
  })
  // The names come from the body alone, so every authenticated verdict gives the same ones.
  const named = authenticated.map(({ verdict }) => namedRepository(verdict)).find((n) => n.length > 0)
  if (named === undefined) return deliveries(authenticated)
  const follows = (candidate: RouteCandidate) =>
    candidate.repository !== undefined && repositoryMatches(candidate.repository, named)
  const selected = authenticated.filter(({ candidate }) => follows(candidate))
  if (selected.length > 0) return deliveries(selected)
  const repository = shown(named[0]!)
  if (candidates.some(follows))
    return {
      _tag: "Unauthorized",
      reason: `signed with a secret that is not the secret of the source(s) following ${repository}`,
    }
  return {
    _tag: "Unrouted",
    verdict: Verdict.naming(Verdict.ignored(`no source follows ${repository}`), named),
  }
}
