import type { Action } from "../domain/Action.ts"
import type { DesiredService, DesiredState } from "../domain/DesiredState.ts"
import { normalizeImageRef, withDigest } from "../domain/imageRef.ts"
import type { ObservedContainer } from "../domain/ObservedState.ts"
import { compareNames } from "./orderServices.ts"

/** What the reconciler learned about images before planning (I/O the planner may not do). */
export interface ImageFacts {
  /** Tracked tag (as written in fleet.yaml) → the digest its registry serves now. */
  readonly digests?: ReadonlyMap<string, string>
  /** Normalized references whose periodic pull (daily, weekly, every_<d>) is due. */
  readonly pullDue?: ReadonlySet<string>
}

/**
 * The image a service is planned with. A tracked tag with a known digest runs as
 * `name@digest`, so the container gets exactly what the registry serves even while the
 * local tag still names an older image. A tracked tag whose digest could not be
 * resolved keeps the image its container runs: an unreachable registry never causes a
 * replacement (the reconciler also holds back every change to such a service).
 */
export const serviceImage = (
  service: DesiredService,
  images: ReadonlyMap<string, string>,
  facts: ImageFacts,
  primary: ObservedContainer | undefined,
): { readonly service: DesiredService; readonly imageId: string | undefined } => {
  if (service.track !== "digest")
    return { service, imageId: images.get(normalizeImageRef(service.spec.image)) }
  const digest = facts.digests?.get(service.spec.image)
  if (digest === undefined)
    return {
      service,
      imageId:
        primary === undefined || primary.imageId === ""
          ? images.get(normalizeImageRef(service.spec.image))
          : primary.imageId,
    }
  const ref = withDigest(service.spec.image, digest)
  return {
    service: { ...service, spec: { ...service.spec, image: ref } },
    imageId: images.get(normalizeImageRef(ref)),
  }
}

type PullReason = Extract<Action, { _tag: "PullImage" }>["reason"]

/**
 * One pull per distinct reference: when missing (unless `never`), on every pass with
 * `always`, when a periodic policy is due, and for a tracked tag whenever its current
 * digest is not on this host.
 */
export const planPulls = (
  desired: DesiredState,
  images: ReadonlyMap<string, string>,
  facts: ImageFacts,
): ReadonlyArray<Action> => {
  const pulls = new Map<string, { image: string; services: Array<string>; reason: PullReason }>()
  for (const service of desired.services) {
    // A built image is never pulled (planBuilds.ts).
    if (service.blocked !== undefined || service.suspended !== undefined || service.build !== undefined)
      continue
    let ref = service.spec.image
    if (service.track === "digest") {
      const digest = facts.digests?.get(ref)
      // Unresolved: nothing to pull; the reconciler reports why.
      if (digest === undefined) continue
      ref = withDigest(ref, digest)
    }
    const key = normalizeImageRef(ref)
    const missing = !images.has(key)
    const reason: PullReason | undefined =
      missing && service.pullPolicy !== "never"
        ? service.track === "digest"
          ? "digest"
          : "missing"
        : service.track === "digest"
          ? undefined
          : service.pullPolicy === "always"
            ? "always"
            : service.pullPolicy === "periodic" && facts.pullDue?.has(key) === true
              ? "scheduled"
              : undefined
    if (reason === undefined) continue
    const entry = pulls.get(key) ?? { image: ref, services: [], reason }
    entry.services.push(service.name)
    // A pull that is needed because the image is missing says so, whatever else asked for it.
    if (reason === "missing" || reason === "digest") entry.reason = reason
    pulls.set(key, entry)
  }
  return [...pulls.entries()]
    .sort(([a], [b]) => compareNames(a, b))
    .map(([, p]) => ({ _tag: "PullImage", image: p.image, services: p.services, reason: p.reason }))
}
