import type { DesiredService } from "../domain/DesiredState.ts"
import { parseImageRef } from "../domain/imageRef.ts"
import { parsePullPolicy } from "./compose/pullPolicy.ts"
import type { Service } from "./Manifest.ts"
import { type PathIssue, pathIssue } from "./PathIssue.ts"

type ImagePolicy = Pick<DesiredService, "pullPolicy" | "pullPeriodMs" | "track">

/**
 * How a service's image is kept current: its pull policy and whether its tag is
 * tracked by digest. A reference pinned by digest is never re-resolved, so tracking
 * it is a no-op rather than an error (a fleet-wide default may well cover it).
 */
export const imagePolicy = (
  service: Service,
  fleetTrack: "digest" | "tag" | undefined,
  policyPath: ReadonlyArray<PropertyKey>,
  issues: Array<PathIssue>,
): ImagePolicy => {
  const parsed = parsePullPolicy(service.pull_policy ?? "missing")
  // The Schema already reported an invalid policy; fall back to the default.
  const pull = typeof parsed === "string" ? ({ policy: "missing" } as const) : parsed
  const track = service["x-fleetd"]?.track ?? fleetTrack
  const pinned = parseImageRef(service.image)?.digest !== undefined
  const tracked = track === "digest" && !pinned
  if (tracked && pull.policy === "never")
    issues.push(
      pathIssue(
        policyPath,
        'x-fleetd.track: digest needs to pull new digests, but pull_policy is "never"; use track: tag, or allow pulling',
      ),
    )
  return {
    pullPolicy: pull.policy,
    ...(pull.policy === "periodic" ? { pullPeriodMs: pull.periodMs } : {}),
    ...(tracked ? { track: "digest" as const } : {}),
  }
}
