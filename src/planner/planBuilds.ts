import type { Action } from "../domain/Action.ts"
import type { DesiredService, DesiredState } from "../domain/DesiredState.ts"
import { normalizeImageRef } from "../domain/imageRef.ts"
import type { ObservedImage } from "../domain/ObservedState.ts"
import { compareNames } from "./orderServices.ts"

type BuildReason = Extract<Action, { _tag: "BuildImage" }>["reason"]

/**
 * Whether a service's image must be built: Compose's rule builds it when it is missing
 * (`missing`, `never`); an image fleetd built from other inputs (its
 * `fleetd.build-hash` label differs) is built again, so a changed context or
 * Dockerfile rolls out; `pull_policy: build` also replaces an image fleetd did not
 * build. An image with the same inputs is never built twice: not every pass.
 */
export const buildReason = (
  service: DesiredService,
  image: ObservedImage | undefined,
): BuildReason | undefined => {
  const build = service.build
  if (build === undefined) return undefined
  if (image === undefined) return "missing"
  if (image.buildHash === undefined) return service.pullPolicy === "build" ? "policy" : undefined
  return image.buildHash === build.hash ? undefined : "changed"
}

/** One build per tag, in name order; services suspended or blocked by policy build nothing. */
export const planBuilds = (
  desired: DesiredState,
  images: ReadonlyArray<ObservedImage>,
): ReadonlyArray<Action> => {
  const byRef = new Map<string, ObservedImage>()
  for (const image of images) for (const ref of image.refs) byRef.set(ref, image)
  const builds = new Map<string, Extract<Action, { _tag: "BuildImage" }>>()
  for (const service of desired.services) {
    if (service.blocked !== undefined || service.suspended !== undefined || service.build === undefined)
      continue
    const key = normalizeImageRef(service.spec.image)
    const reason = buildReason(service, byRef.get(key))
    if (reason === undefined) continue
    const planned = builds.get(key)
    builds.set(
      key,
      planned === undefined
        ? {
            _tag: "BuildImage",
            image: service.spec.image,
            services: [service.name],
            build: service.build,
            reason,
          }
        : { ...planned, services: [...planned.services, service.name] },
    )
  }
  return [...builds.entries()].sort(([a], [b]) => compareNames(a, b)).map(([, b]) => b)
}
