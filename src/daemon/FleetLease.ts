import { randomBytes } from "node:crypto"
import { hostname } from "node:os"
import { Clock, Context, Deferred, Duration, Effect, Layer } from "effect"
import type { LeaseStatus } from "../domain/FleetStatus.ts"
import { ContainerEngine } from "../engine/ContainerEngine.ts"
import type { EngineError } from "../engine/EngineError.ts"
import { logEvent } from "../observability/logEvent.ts"
import {
  decideLease,
  describeHolder,
  type LeaseHolder,
  LeaseLabels,
  type LeaseRecord,
  leaseLabels,
  leaseRecordOf,
  leaseVolumeName,
  newestRecord,
  type Sighting,
} from "./leaseDecision.ts"

/** How long letting go at shutdown may take before fleetd exits anyway. */
const releaseTimeout = Duration.seconds(5)

/** The default expiry: a holder killed with SIGKILL is replaced about this long after its last renewal. */
export const defaultLeaseTtl = Duration.seconds(30)

/** What one attempt found: the lease is ours, or who holds it and until when unless renewed. */
export type LeaseAttempt =
  | { readonly _tag: "Held" }
  | { readonly _tag: "Waiting"; readonly holder: LeaseHolder; readonly expiresAt: number }

/**
 * One writer per fleet per engine: the lease that `fleetd run` holds across passes and
 * `fleetd apply` for its run (design and measurements in docs/lease.md). The records
 * are volumes on the engine itself, so processes that share only the socket (two
 * containers) see them. Held leases are renewed in the background every third of the
 * expiry; the layer's scope releases them, so a stopped holder's waiter takes over at once.
 */
export class FleetLease extends Context.Service<
  FleetLease,
  {
    /** This process, as its lease records name it. */
    readonly me: LeaseHolder
    /** The expiry this process writes in its records. */
    readonly ttlMs: number
    /** One attempt, no waiting: takes the fleet's lease if free, expired or ours already. */
    readonly acquire: (fleet: string) => Effect.Effect<LeaseAttempt, EngineError>
    /**
     * Completes when this process stops holding the fleet's lease (taken over, or not
     * renewed for two thirds of the expiry), at once when it does not hold it: a pass
     * races its engine actions against it, so a holder that lost the lease stops
     * between two actions.
     */
    readonly lost: (fleet: string) => Effect.Effect<void>
    /** Lets go of the fleet's lease if held; a waiter may take it at once. Never fails. */
    readonly release: (fleet: string) => Effect.Effect<void>
    /** Every fleet this process holds or waits for. */
    readonly views: Effect.Effect<ReadonlyArray<LeaseStatus>>
  }
>()("fleetd/daemon/FleetLease") {
  static readonly layer = (options: LeaseOptions) =>
    Layer.effect(
      FleetLease,
      Effect.gen(function* () {
        const { lease, renewAll, releaseAll } = yield* makeFleetLease(options)
        // Every third of the expiry, so one missed renewal never loses the lease.
        yield* Effect.forkScoped(
          Effect.forever(Effect.andThen(Effect.sleep(Duration.millis(lease.ttlMs / 3)), renewAll)),
        )
        // Bounded: a hung engine must not hold up shutdown; the lease then expires by itself.
        yield* Effect.addFinalizer(() =>
          Effect.uninterruptible(Effect.ignore(Effect.timeoutOption(releaseAll, releaseTimeout))),
        )
        return lease
      }),
    )
}

export interface LeaseOptions {
  readonly ttl: Duration.Duration
  readonly command: "run" | "apply"
  /** The config file's source this lease serves: named in its records, so a second source claiming one fleet is told whose it is. */
  readonly source?: string
}

interface FleetState {
  seen?: Sighting
  /** The seq of our newest record while we hold the lease. */
  heldSeq?: number
  /** When the renewal that gave heldSeq started (our clock): the lease is ours until this + 2/3 ttl. */
  renewedAt?: number
  /** Completed when this holding ends. */
  ended?: Deferred.Deferred<void>
  since: number
  waitingFor?: { readonly holder: LeaseHolder; readonly expiresAt: number }
}

/**
 * The lease without its background: `renewAll` renews every held lease once and
 * `releaseAll` lets them go. Tests drive these by hand (a holder that stops calling
 * renewAll is one killed with SIGKILL); the layer runs them on a timer and at shutdown.
 */
export const makeFleetLease = Effect.fnUntraced(function* (options: LeaseOptions) {
  const engine = yield* ContainerEngine
  const ttlMs = Duration.toMillis(options.ttl)
  const started = yield* Clock.currentTimeMillis
  const me: LeaseHolder = {
    // Not crypto.randomUUID: it serves ids from a batch Node keeps in the heap, and `apply`
    // may start from a V8 start-up snapshot (bin/fleetd.js), where a batch drawn while the
    // snapshot was built would give every process the same ids (measured), so two applies
    // would both find their id on one record. randomBytes asks the kernel on every call.
    id: randomBytes(16).toString("hex"),
    host: hostname(),
    pid: process.pid,
    command: options.command,
    ...(options.source === undefined ? {} : { source: options.source }),
    startedAt: new Date(started).toISOString(),
  }
  const fleets = new Map<string, FleetState>()
  const stateOf = (fleet: string, now: number) => {
    const known = fleets.get(fleet)
    if (known !== undefined) return known
    const state: FleetState = { since: now }
    fleets.set(fleet, state)
    return state
  }

  const records = (fleet: string) =>
    Effect.map(engine.listVolumesLabelled(LeaseLabels.fleet, fleet), (volumes) =>
      volumes.flatMap((v) => {
        const record = leaseRecordOf(v.labels)
        return record === undefined || v.name !== leaseVolumeName(fleet, record.seq) ? [] : [record]
      }),
    )

  /** Removes the records older than `seq`: they decide nothing any more. Best effort. */
  const prune = (fleet: string, found: ReadonlyArray<LeaseRecord>, seq: number) =>
    Effect.forEach(
      found.filter((r) => r.seq < seq),
      (r) => Effect.ignore(engine.removeVolume(leaseVolumeName(fleet, r.seq))),
      { discard: true },
    )

  /**
   * Creates record `seq` and checks that it won and is still the newest: a waiter
   * paused between its listing and its create may create a name its holder has
   * already pruned, and must then see the newer record and give up.
   */
  const claim = Effect.fnUntraced(function* (fleet: string, seq: number, released: boolean) {
    const record: LeaseRecord = { seq, holder: me, ttlMs, released }
    const labels = yield* engine.claimVolume(leaseVolumeName(fleet, seq), leaseLabels(fleet, record))
    const winner = leaseRecordOf(labels)
    if (winner?.holder.id !== me.id) return { won: false, winner, found: [] as ReadonlyArray<LeaseRecord> }
    const found = yield* records(fleet)
    const newest = newestRecord(found)
    if (newest !== undefined && newest.seq > seq) {
      yield* Effect.ignore(engine.removeVolume(leaseVolumeName(fleet, seq)))
      return { won: false, winner: newest, found }
    }
    return { won: true, winner, found }
  })

  const lost = (fleet: string, state: FleetState, holder: LeaseHolder | undefined, now: number) =>
    Effect.gen(function* () {
      const hadIt = state.heldSeq !== undefined
      delete state.heldSeq
      delete state.renewedAt
      if (state.ended !== undefined) yield* Deferred.succeed(state.ended, undefined)
      if (hadIt) {
        state.since = now
        yield* logEvent("Warn", `lease: lost the lease of fleet ${fleet}`, {
          fleet,
          holder: holder === undefined ? "nobody" : describeHolder(holder),
        })
      }
    })

  /** One attempt on the engine: list, decide, and create the next record when that takes the lease. */
  const attempt = Effect.fnUntraced(function* (fleet: string) {
    const now = yield* Clock.currentTimeMillis
    const state = stateOf(fleet, now)
    const found = yield* records(fleet)
    const { decision, seen } = decideLease(found, me.id, state.seen, now)
    if (seen === undefined) delete state.seen
    else state.seen = seen
    const next =
      decision._tag === "Ours" ? decision.seq + 1 : decision._tag === "Held" ? undefined : decision.next
    if (next === undefined && decision._tag === "Held") {
      yield* lost(fleet, state, decision.holder, now)
      state.waitingFor = { holder: decision.holder, expiresAt: decision.expiresAt }
      return {
        _tag: "Waiting",
        holder: decision.holder,
        expiresAt: decision.expiresAt,
      } satisfies LeaseAttempt
    }
    const result = yield* claim(fleet, next ?? 1, false)
    if (!result.won) {
      yield* lost(fleet, state, result.winner?.holder, now)
      const holder = result.winner?.holder ?? me
      const expiresAt = now + (result.winner?.ttlMs ?? ttlMs)
      state.waitingFor = { holder, expiresAt }
      return { _tag: "Waiting", holder, expiresAt } satisfies LeaseAttempt
    }
    if (state.heldSeq === undefined) {
      state.since = now
      state.ended = Deferred.makeUnsafe<void>()
      delete state.waitingFor
      const previous = decision._tag === "Free" || decision._tag === "Expired" ? decision.previous : undefined
      // A one-shot apply's stderr is for what the user must know: taking a lease nobody held is not.
      const level = options.command === "run" || decision._tag === "Expired" ? "Info" : "Debug"
      yield* logEvent(level, `lease: holding the lease of fleet ${fleet}`, {
        fleet,
        ...(previous === undefined
          ? {}
          : {
              previous: describeHolder(previous),
              [decision._tag === "Expired" ? "expired" : "released"]: true,
            }),
      })
    }
    state.heldSeq = next ?? 1
    state.renewedAt = now
    yield* prune(fleet, result.found, state.heldSeq)
    return { _tag: "Held" } satisfies LeaseAttempt
  })

  /** Held, without asking the engine, while the last renewal is recent enough. */
  const fresh = (state: FleetState | undefined, now: number) =>
    state?.heldSeq !== undefined && state.renewedAt !== undefined && now - state.renewedAt < (ttlMs * 2) / 3

  const acquire = (fleet: string) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      if (fresh(fleets.get(fleet), now)) return { _tag: "Held" } satisfies LeaseAttempt
      return yield* attempt(fleet)
    })

  const release = (fleet: string) =>
    Effect.gen(function* () {
      const state = fleets.get(fleet)
      if (state?.heldSeq === undefined) return
      const found = yield* records(fleet)
      const newest = newestRecord(found)
      if (newest?.holder.id === me.id && !newest.released) {
        const result = yield* claim(fleet, newest.seq + 1, true)
        if (result.won) yield* prune(fleet, result.found, newest.seq + 1)
      }
      fleets.delete(fleet)
      yield* logEvent(
        options.command === "run" ? "Info" : "Debug",
        `lease: released the lease of fleet ${fleet}`,
        { fleet },
      )
    }).pipe(
      Effect.catch((error) =>
        logEvent("Warn", `lease: cannot release the lease of fleet ${fleet}; it expires by itself`, {
          fleet,
          error: error.message,
        }),
      ),
    )

  const renewAll = Effect.gen(function* () {
    for (const [fleet, state] of fleets)
      if (state.heldSeq !== undefined)
        yield* attempt(fleet).pipe(
          Effect.catch((error) =>
            Effect.gen(function* () {
              yield* logEvent("Warn", `lease: cannot renew the lease of fleet ${fleet}`, {
                fleet,
                error: error.message,
              })
              // A waiter may take it once the expiry has passed: stop applying well before.
              const now = yield* Clock.currentTimeMillis
              if (!fresh(state, now)) yield* lost(fleet, state, undefined, now)
            }),
          ),
        )
  })
  const releaseAll = Effect.suspend(() => Effect.forEach([...fleets.keys()], release, { discard: true }))

  const views = Effect.sync(
    (): ReadonlyArray<LeaseStatus> =>
      [...fleets].flatMap(([fleet, state]): ReadonlyArray<LeaseStatus> => {
        const since = new Date(state.since).toISOString()
        if (state.heldSeq !== undefined) return [{ fleet, held: true, holder: me, since }]
        if (state.waitingFor === undefined) return []
        return [
          {
            fleet,
            held: false,
            holder: state.waitingFor.holder,
            since,
            expiresAt: new Date(state.waitingFor.expiresAt).toISOString(),
          },
        ]
      }),
  )

  const lostLease = (fleet: string) =>
    Effect.suspend(() => {
      const state = fleets.get(fleet)
      return state?.heldSeq === undefined || state.ended === undefined
        ? Effect.void
        : Deferred.await(state.ended)
    })

  return {
    lease: FleetLease.of({ me, ttlMs, acquire, lost: lostLease, release, views }),
    renewAll,
    releaseAll,
  }
})
