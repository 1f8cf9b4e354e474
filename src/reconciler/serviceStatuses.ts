import type { DesiredState } from "../domain/DesiredState.ts"
import type { ServiceStatus } from "../domain/FleetStatus.ts"
import { hasHealthcheck } from "../domain/firstCreation.ts"
import { normalizeImageRef } from "../domain/imageRef.ts"
import type { ObservedContainer, ObservedImage } from "../domain/ObservedState.ts"
import type { HealthStatus } from "../domain/statusVocabulary.ts"
import type { ChangeSet } from "./ChangeSet.ts"

const changedOutcomes = new Set(["created", "replaced", "started", "adopted"])

const healthOf = (container: ObservedContainer | undefined): HealthStatus => {
  if (container === undefined) return "Missing"
  if (container.state !== "running") return "Unhealthy"
  if (container.health === "unhealthy") return "Unhealthy"
  if (container.health === "starting") return "Starting"
  return "Healthy"
}

/** `registry:5000/app:v1` → `registry:5000/app`: the repository, without tag or digest. */
const repositoryOf = (ref: string) => normalizeImageRef(ref).replace(/[@:][^/]*$/, "")

/**
 * What the observed container runs and exposes (before this pass changed anything). The
 * digest is one of the service's own repository: the same image pushed elsewhere under
 * another name has digests that say nothing about where this one came from.
 */
const observedFacts = (
  container: ObservedContainer | undefined,
  images: ReadonlyMap<string, ObservedImage>,
  image: string,
): Pick<ServiceStatus, "imageId" | "digest" | "ports"> => {
  if (container === undefined) return {}
  const repository = repositoryOf(image)
  const digest = images
    .get(container.imageId)
    ?.refs.find((ref) => ref.includes("@sha256:") && repositoryOf(ref) === repository)
  return {
    ...(container.imageId === "" ? {} : { imageId: container.imageId }),
    ...(digest === undefined ? {} : { digest }),
    ...(container.ports === undefined ? {} : { ports: container.ports }),
  }
}

/**
 * What a later pass says of a first creation no pass waited for (firstCreation.ts), from
 * the container it lists: gone, or positively healthy, ends it; a container that stopped
 * or fails its healthcheck is `Failed`; else it stays `Progressing`. A failure (the
 * health watch's or an earlier pass's) stands until the container is healthy. Podman's
 * list says nothing of health, so there only the health watch (which inspects) settles it.
 */
export const firstHealthAfter = (
  before: ServiceStatus | undefined,
  container: ObservedContainer | undefined,
  checked: boolean,
  now: string,
): Pick<ServiceStatus, "firstHealth" | "lastError" | "health"> | undefined => {
  if (before?.firstHealth === undefined || container === undefined) return undefined
  const running = container.state === "running"
  if (running && (container.health === "healthy" || (!checked && container.health === undefined)))
    return undefined
  if (before.firstHealth === "Failed" && before.lastError !== undefined)
    return { firstHealth: "Failed", health: "Unhealthy", lastError: before.lastError }
  if (running && container.health !== "unhealthy") return { firstHealth: "Progressing", health: "Starting" }
  return {
    firstHealth: "Failed",
    health: "Unhealthy",
    lastError: {
      at: now,
      message: `${container.name} did not become healthy after its first creation (${running ? "its healthcheck fails" : `it is ${container.state}`}); nothing to roll back to, so it was kept`,
    },
  }
}

/**
 * Per-service status after a pass, from what the pass observed before acting and what
 * it changed: no extra engine call. A service changed this pass is `Starting` until
 * the next pass sees its health; a first creation the pass did not wait for is also
 * `firstHealth: Progressing` (the daemon's health watch or the next pass settles it);
 * earlier changes and errors are carried over.
 */
export const serviceStatuses = (
  desired: DesiredState,
  observed: ReadonlyArray<ObservedContainer>,
  changes: ChangeSet,
  previous: ReadonlyArray<ServiceStatus>,
  now: string,
  images: ReadonlyArray<ObservedImage> = [],
): ReadonlyArray<ServiceStatus> => {
  // Indexed once: looking each service up by scanning the lists made a pass over 1,000
  // services quadratic (bench/scale.ts).
  const results = firstBy(changes.services, (s) => s.service)
  const previousByName = firstBy(previous, (s) => s.name)
  const containers = firstBy(observed, (c) => c.name)
  const imagesById = firstBy(images, (i) => i.id)
  return desired.services.map((service): ServiceStatus => {
    const result = results.get(service.name)
    const before = previousByName.get(service.name)
    const container = containers.get(service.containerName)
    const base = {
      name: service.name,
      image: service.spec.image,
      ...(service.track === "digest" ? { track: "digest" as const } : {}),
      ...(container !== undefined || result?.container !== undefined
        ? { container: service.containerName }
        : {}),
      ...(before?.lastChange === undefined ? {} : { lastChange: before.lastChange }),
    }
    // The container this pass observed still runs unless the pass changed it.
    const observedBase = { ...base, ...observedFacts(container, imagesById, service.spec.image) }
    if (result === undefined || result.outcome === "unchanged") {
      const first = firstHealthAfter(before, container, hasHealthcheck(service.spec), now)
      const sync = first?.lastError === undefined ? "Synced" : "Failed"
      return { ...observedBase, sync, health: healthOf(container), ...first }
    }
    if (result.outcome === "completed") {
      return { ...base, sync: "Synced", health: "Completed", exitCode: result.exitCode ?? 0 }
    }
    if (result.outcome === "suspended") {
      // Left as it is on purpose: not an error, and earlier errors no longer apply.
      return {
        ...observedBase,
        sync: "Suspended",
        health: healthOf(container),
        ...(result.reason === undefined ? {} : { suspended: result.reason }),
      }
    }
    if (result.outcome === "held") {
      // Still the rolled-back state: the error (and log tail) of the rollback stays.
      return {
        ...observedBase,
        sync: "RolledBack",
        health: healthOf(container),
        ...(before?.lastError === undefined ? {} : { lastError: before.lastError }),
      }
    }
    if (result.outcome === "failed" || result.outcome === "blocked" || result.outcome === "rolled-back") {
      const logs = result.logs === undefined ? "" : `\nlast log lines:\n${result.logs}`
      return {
        ...observedBase,
        sync: result.outcome === "rolled-back" ? "RolledBack" : "Failed",
        health: healthOf(container),
        ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
        lastError: {
          at: now,
          message: `${result.reason ?? result.outcome}${logs}`,
          ...(result.hooks === undefined ? {} : { hooks: result.hooks }),
          ...(result.build === undefined ? {} : { build: result.build }),
        },
      }
    }
    const lastChange = {
      at: now,
      outcome: result.outcome,
      revision: changes.revision,
      ...(result.reason === undefined ? {} : { reason: result.reason }),
      ...(result.hooks === undefined ? {} : { hooks: result.hooks }),
      ...(result.build === undefined ? {} : { build: result.build }),
    }
    if (result.progressing === true)
      return {
        ...base,
        container: service.containerName,
        sync: "Synced",
        health: "Starting",
        firstHealth: "Progressing",
        lastChange,
      }
    const health: HealthStatus = changedOutcomes.has(result.outcome)
      ? service.spec.healthcheck === undefined || service.spec.healthcheck.test[0] === "NONE"
        ? "Healthy"
        : "Starting"
      : healthOf(container)
    // A new or restarted container: its ports are observed by the next pass; its image id
    // is known when the replacement changed the image.
    const facts = changedOutcomes.has(result.outcome)
      ? result.image === undefined
        ? {}
        : { imageId: result.image.to }
      : observedFacts(container, imagesById, service.spec.image)
    return { ...base, ...facts, container: service.containerName, sync: "Synced", health, lastChange }
  })
}

/** The first item for each key, as `Array.find` would have picked it. */
const firstBy = <A>(items: ReadonlyArray<A>, key: (a: A) => string): ReadonlyMap<string, A> => {
  const map = new Map<string, A>()
  for (const item of items) if (!map.has(key(item))) map.set(key(item), item)
  return map
}
