import { Duration, Effect } from "effect"
import type { LeaseAttempt } from "../daemon/FleetLease.ts"
import { describeHolder, type LeaseHolder } from "../daemon/leaseDecision.ts"
import { waitForLease } from "../daemon/waitForLease.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"
import { reportFailure } from "./reportFailure.ts"

/** Why apply gave up on a fleet whose lease another fleetd holds. */
export const leaseHeldMessage = (fleet: string, holder: LeaseHolder, wait: Duration.Duration) =>
  `fleet ${fleet} is held by ${describeHolder(holder)}; nothing was changed. Stop that fleetd, or let this one wait longer with --lease-wait (it waited ${Duration.format(wait)})`

/**
 * Waits up to `--lease-wait` for the fleet's lease, saying once on stderr who holds it
 * (not with --json, whose stdout is the answer). FleetLease's scope releases it when
 * apply ends.
 */
export const awaitApplyLease = (args: CliArgs, fleet: string) =>
  Effect.gen(function* () {
    const output = yield* Output
    return yield* waitForLease(fleet, args.leaseWait, (waiting) =>
      args.json
        ? Effect.void
        : output.err(
            `fleetd apply: fleet ${fleet} is held by ${describeHolder(waiting.holder)}; waiting up to ${Duration.format(args.leaseWait)} for its lease (--lease-wait)`,
          ),
    )
  })

/**
 * `fleetd apply`'s turn at the fleet's lease. Gives undefined when held, else the exit
 * status: 1, with the holder named, and nothing changed on the host.
 */
export const holdLease = Effect.fnUntraced(function* (args: CliArgs, fleet: string) {
  const output = yield* Output
  const attempt = yield* Effect.result(awaitApplyLease(args, fleet))
  if (attempt._tag === "Failure") return yield* reportFailure(args, attempt.failure)
  const held: LeaseAttempt = attempt.success
  if (held._tag === "Held") return undefined
  const message = leaseHeldMessage(fleet, held.holder, args.leaseWait)
  if (args.json)
    yield* output.out(JSON.stringify({ error: { kind: "LeaseHeld", message, holder: held.holder } }, null, 2))
  else yield* output.err(`fleetd apply: ${message}`)
  return 1
})
