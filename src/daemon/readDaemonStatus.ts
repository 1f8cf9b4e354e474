import { Effect } from "effect"
import type { NotificationTargetStatus } from "../domain/FleetStatus.ts"
import { daemonStatus } from "./daemonStatus.ts"
import type { Sources } from "./Sources.ts"

/**
 * `/status` as of now (DaemonStatus), for the JSON route and the page alike. The leases
 * are read now too: a lease lost or taken between passes shows at once. `notifications`:
 * the notifier's targets, when the daemon has one.
 */
export const readDaemonStatus = (
  sources: Sources["Service"],
  notifications?: Effect.Effect<ReadonlyArray<NotificationTargetStatus>>,
) =>
  Effect.gen(function* () {
    const all = yield* sources.all
    const each = yield* Effect.forEach(all, (source) =>
      Effect.map(Effect.all([source.status.get, source.lease.views]), ([s, leases]) => ({
        name: source.name,
        ...s,
        ...(leases.length === 0 ? {} : { leases }),
      })),
    )
    return daemonStatus(
      each,
      yield* sources.config,
      notifications === undefined ? undefined : yield* notifications,
    )
  })
