import { Labels } from "../domain/labels.ts"

/** The part of an engine event (`GET /events`, one JSON object a line) the cache reads. */
export interface EngineEvent {
  readonly Type?: string | undefined
  readonly Action?: string | undefined
  readonly timeNano?: number | undefined
  readonly Actor?: { readonly Attributes?: Readonly<Record<string, string>> | null | undefined } | undefined
}

/**
 * Container events that change nothing a container listing shows (state, health, exit
 * code, name, labels, image, networks, volumes, ports), by their verb: Docker appends
 * the command to `exec_create: sh -c ...` and `exec_start: ...` (its healthchecks make
 * three such events per probe). Podman's and Docker's names for the same act differ
 * (`exec_died`, `exec_die`). Every other container event counts, unknown ones included:
 * a new engine version's new event must not be missed.
 */
const harmless: ReadonlySet<string> = new Set([
  "attach",
  "detach",
  "commit",
  "copy",
  "archive-path",
  "extract-to-dir",
  "exec",
  "exec_create",
  "exec_start",
  "exec_detach",
  "exec_die",
  "exec_died",
  "export",
  "mount",
  "unmount",
  "top",
  "resize",
])

/** `exec_create: sh -c true` → `exec_create`; `health_status: healthy` → `health_status`. */
const verbOf = (action: string): string => {
  const colon = action.indexOf(":")
  return colon < 0 ? action : action.slice(0, colon)
}

/**
 * Whether an event may change what listing fleetd's containers shows: an event of a
 * container carrying a `fleetd.fleet` label (Docker and Podman put every label among the
 * attributes), or a container joining or leaving a network (those events carry no labels).
 */
export const changesListings = (event: EngineEvent): boolean => {
  if (event.Type === "network") return event.Action === "connect" || event.Action === "disconnect"
  if (event.Type !== "container") return false
  if (event.Actor?.Attributes?.[Labels.fleet] === undefined) return false
  return !harmless.has(verbOf(event.Action ?? ""))
}

export interface ListingCacheOptions {
  /** Wall clock in ms (the engine stamps events with the same host's clock). */
  readonly now: () => number
  /** A listing older than this is taken again whatever the stream says: the safety net. */
  readonly maxAgeMs: number
  /** An event that arrives later than this after the engine stamped it shows a lagging stream. */
  readonly maxLagMs: number
  /**
   * A listing is trusted only when it starts this long after the stream connected and
   * after the last change the cache heard of. dockerd answers `/events` before it
   * subscribes the stream, and may report a change before its listing shows it (20.10
   * sends `die`, then tears down the container's network and mounts, then records the
   * exit where its list reads).
   */
  readonly settleMs: number
}

/** Taken when a listing starts; the listing is kept only if nothing changed since. */
export interface ListingTicket {
  readonly generation: number
  readonly startedAt: number
  readonly trusted: boolean
}

/**
 * Container listings kept while the engine's event stream says nothing changed. Every
 * event that may change a listing, every change fleetd makes itself, a lagging event and
 * the stream's end bump a generation; a kept listing serves only while the generation is
 * the one it started under, the stream is up, and it is younger than maxAgeMs. A listing
 * that overlapped a change, or began within settleMs of one, is not kept. A stream that
 * has not shown any event within maxLagMs of a change fleetd made itself (a container,
 * or its lease's volumes every few seconds) is stalled. So a stream that dies, stalls, lags or was never trusted leaves
 * every listing to the engine, never to a stale copy.
 */
export const makeListingCache = (options: ListingCacheOptions) => {
  let generation = 0
  let upSince: number | undefined
  /** When the last bump happened: a listing that starts within settleMs of it is not kept. */
  let bumpedAt = Number.NEGATIVE_INFINITY
  /** Set by a change of fleetd's own: the stream must show an event by then, or it is stalled. */
  let echoBy: number | undefined
  /** Events read so far: a change of fleetd's own is echoed by any event read after it began. */
  let events = 0
  const kept = new Map<string, { readonly ticket: ListingTicket; readonly value: unknown }>()
  const bump = () => {
    generation++
    bumpedAt = options.now()
    kept.clear()
  }
  return {
    /** The stream is connected: events from now on arrive. */
    connected: () => {
      bump()
      upSince = options.now()
      echoBy = undefined
    },
    /** The stream ended or failed: nothing is served until a new one is up and settled. */
    disconnected: () => {
      bump()
      upSince = undefined
    },
    /** One event from the stream. */
    event: (event: EngineEvent) => {
      events++
      const lag = event.timeNano === undefined ? 0 : options.now() - event.timeNano / 1e6
      if (lag > options.maxLagMs || changesListings(event)) bump()
      echoBy = undefined
    },
    /** fleetd itself changed containers (a Podman healthcheck it ran): the stream must show an event within maxLagMs. */
    changed: () => {
      bump()
      echoBy ??= options.now() + options.maxLagMs
    },
    /**
     * fleetd is about to change something: containers (`listed`: created, started, stopped,
     * removed, renamed, reconnected), or its lease's volumes. Returns the mark `done` takes.
     */
    starting: (listed: boolean): number => {
      if (listed) bump()
      return events
    },
    /**
     * fleetd's change begun at `mark` ended. The stream must have shown an event since it
     * began (Docker's often arrives before the engine's answer does), or show one within
     * maxLagMs.
     */
    done: (mark: number, listed: boolean) => {
      if (listed) bump()
      if (events === mark) echoBy ??= options.now() + options.maxLagMs
    },
    /** Whether the stream is up. */
    get following() {
      return upSince !== undefined
    },
    /** Whether the stream is up and has shown fleetd's own changes in time: false means restart it. */
    get healthy() {
      return upSince !== undefined && (echoBy === undefined || options.now() <= echoBy)
    },
    /** The listing kept under `key`, if it may still be served. */
    lookup: (key: string): unknown => {
      const entry = kept.get(key)
      if (entry === undefined || upSince === undefined) return undefined
      if (echoBy !== undefined && options.now() > echoBy) return undefined
      if (entry.ticket.generation !== generation) return undefined
      if (options.now() - entry.ticket.startedAt >= options.maxAgeMs) return undefined
      return entry.value
    },
    /** Call before asking the engine for a listing. */
    begin: (): ListingTicket => {
      const now = options.now()
      return {
        generation,
        startedAt: now,
        // The stream's connection bumps too: one settling time covers both.
        trusted: upSince !== undefined && now - bumpedAt >= options.settleMs,
      }
    },
    /** Keeps a listing taken under `ticket`, unless something changed while it was taken. */
    store: (key: string, ticket: ListingTicket, value: unknown) => {
      if (ticket.trusted && ticket.generation === generation && upSince !== undefined)
        kept.set(key, { ticket, value })
    },
  }
}

export type ListingCache = ReturnType<typeof makeListingCache>
