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
 *
 * A service with `build:` is built, never pulled: `missing` (the default) and `never`
 * build when the image is missing (Compose's rule), `build` whenever the build inputs
 * differ from the image's; a policy that pulls (always, periodic) or a tracked digest
 * would replace the build with what a registry serves, so it is refused.
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
  const built = service.build !== undefined
  if (pull.policy === "build" && !built)
    issues.push(
      pathIssue(policyPath, 'pull_policy "build" needs a build: section to build the image from', {
        hint: "add build: with the context, or choose another pull_policy",
      }),
    )
  if (built && (pull.policy === "always" || pull.policy === "periodic"))
    issues.push(
      pathIssue(
        policyPath,
        `pull_policy "${service.pull_policy}" pulls the image, but this service builds it (build:); fleetd never replaces a build with a pulled image`,
        { hint: "use missing (the default: build when the image is missing), never, or build" },
      ),
    )
  const track = service["x-fleetd"]?.track ?? fleetTrack
  const pinned = service.image !== undefined && parseImageRef(service.image)?.digest !== undefined
  const tracked = track === "digest" && !pinned && !built
  if (built && service["x-fleetd"]?.track === "digest")
    issues.push(
      pathIssue(
        [...policyPath.slice(0, -1), "x-fleetd", "track"],
        "x-fleetd.track: digest follows a registry, but this service builds its image (build:)",
        { hint: "remove track: digest from this service" },
      ),
    )
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
