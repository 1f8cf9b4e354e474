import { leaseLabels, leaseVolumeName } from "../../src/daemon/leaseDecision.ts"
import type { LeaseHolder } from "../../src/domain/FleetStatus.ts"
import type { FakeWorld } from "./FakeEngine.ts"

/** The fleetd that holds a fleet's lease in these tests (on "box-2", pid 4242). */
export const otherHolder: LeaseHolder = {
  id: "other",
  host: "box-2",
  pid: 4242,
  command: "run",
  startedAt: "2026-12-04T03:00:00.000Z",
}

/**
 * Puts the fleet's lease record of another fleetd in the fake engine, as one killed
 * with SIGKILL leaves it: nobody renews it, so it expires 30 s after it is first seen.
 */
export const foreignLease = (world: FakeWorld, fleet: string): void => {
  const name = leaseVolumeName(fleet, 1)
  const labels = leaseLabels(fleet, { seq: 1, holder: otherHolder, ttlMs: 30_000, released: false })
  world.volumes.set(name, { id: name, name, driver: "local", labels })
}
