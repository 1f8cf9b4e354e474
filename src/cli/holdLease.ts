import { Duration, Effect } from "effect"
import { describeHolder } from "../daemon/leaseDecision.ts"
import { waitForLease } from "../daemon/waitForLease.ts"
import { Output } from "./Output.ts"
import type { CliArgs } from "./parseCliArgs.ts"
import { reportFailure } from "./reportFailure.ts"

/**
 * `fleetd apply`'s turn at the fleet's lease: taken at once when no other fleetd holds
 * it, else waited for up to `--lease-wait`, saying who holds it. Gives undefined when
 * held (FleetLease's scope releases it when apply ends), else the exit status: 1, with
 * the holder named, and nothing changed on the host.
 */
export const holdLease = Effect.fnUntraced(function* (args: CliArgs, fleet: string) {
  const output = yield* Output
  const wait = args.leaseWait
  const attempt = yield* Effect.result(
    waitForLease(fleet, wait, (waiting) =>
      args.json
        ? Effect.void
        : output.err(
            `fleetd apply: fleet ${fleet} is held by ${describeHolder(waiting.holder)}; waiting up to ${Duration.format(wait)} for its lease (--lease-wait)`,
          ),
    ),
  )
  if (attempt._tag === "Failure") return yield* reportFailure(args, attempt.failure)
  if (attempt.success._tag === "Held") return undefined
  const holder = attempt.success.holder
  const message = `fleet ${fleet} is held by ${describeHolder(holder)}; nothing was changed. Stop that fleetd, or let this one wait longer with --lease-wait (it waited ${Duration.format(wait)})`
  if (args.json) yield* output.out(JSON.stringify({ error: { kind: "LeaseHeld", message, holder } }, null, 2))
  else yield* output.err(`fleetd apply: ${message}`)
  return 1
})
