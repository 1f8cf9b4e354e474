import type { ContainerSpec } from "./ContainerSpec.ts"
import { type DesiredService, defaultUpdateSettings } from "./DesiredState.ts"
import type { Phase, ServiceStatus } from "./FleetStatus.ts"

/**
 * A first creation has nothing to roll back to, so the pass does not wait for its health
 * gate (as `docker compose up -d` does not): the container is created, started and takes
 * its name at once, and its health is reported afterwards (`firstHealth: Progressing`,
 * then `Healthy`, or `Failed` and the phase `Degraded`), as Argo CD reports health after
 * a sync. It still waits when asked to (`fleetd apply --wait`), and when post_deploy
 * steps must run in a ready container before the creation counts as done, and when the
 * gate has nothing to wait for (`min_ready: 0s`, no healthcheck in the spec: one
 * inspection, so the health is known when the pass ends). Replacements are always
 * gated: they have something to roll back to.
 */
export const waitsForCreation = (service: DesiredService, awaitCreations: boolean): boolean =>
  awaitCreations ||
  (service.hooks?.post_deploy?.length ?? 0) > 0 ||
  ((service.update ?? defaultUpdateSettings).minReadyMs === 0 && !hasHealthcheck(service.spec))

/** True when the spec asks for a healthcheck (the image may also bring one: see awaitReady). */
export const hasHealthcheck = (spec: ContainerSpec): boolean =>
  spec.healthcheck !== undefined && spec.healthcheck.test.length > 0 && spec.healthcheck.test[0] !== "NONE"

/**
 * The phase after a pass that reconciled: `Degraded` when something failed (in the pass,
 * or the health of a first creation), `Progressing` while a first creation's health is
 * not known yet, else `Synced`.
 */
export const passPhase = (
  passFailed: boolean,
  services: ReadonlyArray<Pick<ServiceStatus, "firstHealth">>,
): Extract<Phase, "Synced" | "Progressing" | "Degraded"> =>
  passFailed || services.some((s) => s.firstHealth === "Failed")
    ? "Degraded"
    : services.some((s) => s.firstHealth === "Progressing")
      ? "Progressing"
      : "Synced"
