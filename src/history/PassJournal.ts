import { Context, Effect, Layer, Ref, Semaphore } from "effect"
import type { FleetStatus, PassStatus } from "../domain/FleetStatus.ts"
import { logEvent } from "../observability/logEvent.ts"
import { type HistoryEntry, historyEntry, isQuiet } from "./HistoryEntry.ts"
import { appendRecord, readJournal, rewriteJournal, truncateJournal } from "./journalFile.ts"
import { keepLast } from "./keepLast.ts"

/** How many passes per fleet the journal keeps by default. */
export const defaultHistoryLimit = 500

/**
 * When this daemon process started: the journal's `run`, which keeps pass ids (they
 * restart at 1 with every process) unique across restarts.
 */
export const processRun = new Date(Math.round(performance.timeOrigin)).toISOString()

/** Appends between rotations: a quarter of the bound (at least 16), so appends stay O(1) amortized. */
const slackOf = (limit: number) => Math.max(16, Math.ceil(limit / 4))

export interface JournalOptions {
  /** The source's name, written into every record. */
  readonly source: string
  /** Passes kept per fleet. */
  readonly limit: number
}

/**
 * One source's durable pass history (docs/history.md): an append-only JSON-lines file in
 * its data directory, bounded to the last `limit` passes per fleet, repaired at start-up
 * (a torn last record is cut off, never the file). A quiet pass (nothing changed, ended
 * like the previous one) is not recorded. Recording never fails and never makes
 * a pass wait on the disk: the write runs in the background, and a failing disk is logged
 * once (until a write succeeds again).
 */
export class PassJournal extends Context.Service<
  PassJournal,
  {
    /** Records a finished pass and the status it left; returns at once. */
    readonly record: (pass: PassStatus, status: FleetStatus) => Effect.Effect<void>
    /**
     * The recorded passes, oldest first, from memory: those read back at start-up (none if
     * the file could not be read) and those recorded since, even if the disk refused them.
     */
    readonly read: Effect.Effect<ReadonlyArray<HistoryEntry>>
  }
>()("fleetd/history/PassJournal") {
  /** Records nothing and reads nothing (tests of other parts; `fleetd apply` has no history). */
  static readonly none: Layer.Layer<PassJournal> = Layer.succeed(PassJournal)({
    record: () => Effect.void,
    read: Effect.succeed([]),
  })

  /** The journal in `path`, for the source `options.source`. */
  static readonly file = (path: string, options: JournalOptions): Layer.Layer<PassJournal> =>
    Layer.effect(PassJournal, makePassJournal(path, options))
}

/** The file journal, without the layer (tests drive it directly). */
export const makePassJournal = Effect.fnUntraced(function* (path: string, options: JournalOptions) {
  const { source, limit } = options
  const slack = slackOf(limit)
  const lock = yield* Semaphore.make(1)
  // Records in the file since the last rotation, and how many the rotation kept.
  const counts = yield* Ref.make({ lines: 0, kept: 0 })
  const failing = yield* Ref.make(false)
  // The last pass recorded (or read back): a quiet pass like it is not recorded again.
  const last = yield* Ref.make<HistoryEntry | undefined>(undefined)
  // What `read` serves: the file as read at start-up plus every pass recorded since, bounded
  // like the file, so the page's live updates never read (or even stat) the file.
  const held = yield* Ref.make<{ readonly entries: ReadonlyArray<HistoryEntry>; readonly kept: number }>({
    entries: [],
    kept: 0,
  })
  const hold = (entries: ReadonlyArray<HistoryEntry>) =>
    Ref.update(held, (h) => {
      const all = [...h.entries, ...entries]
      if (all.length < h.kept + slack) return { entries: all, kept: h.kept }
      const kept = keepLast(all, limit)
      return { entries: kept, kept: kept.length }
    })

  const warnOnce = (what: string, error: unknown) =>
    Effect.flatMap(Ref.getAndSet(failing, true), (already) =>
      already
        ? Effect.void
        : logEvent("Warn", `history: cannot ${what} ${path}; passes go on without it`, {
            error: String(error),
          }),
    )
  const attempt = (what: string, run: () => Promise<void>) =>
    Effect.tryPromise({ try: run, catch: (error) => error }).pipe(
      Effect.andThen(Ref.set(failing, false)),
      Effect.catch((error) => warnOnce(what, error)),
    )

  const rotate = attempt("rotate", async () => {
    const { entries } = await readJournal(path)
    const kept = keepLast(entries, limit)
    await rewriteJournal(path, kept)
  }).pipe(
    // Whatever happened, start counting again: a failing disk is not retried on every append.
    Effect.andThen(Effect.promise(() => readJournal(path).catch(() => undefined))),
    Effect.flatMap((now) =>
      Ref.set(counts, { lines: now?.entries.length ?? 0, kept: now?.entries.length ?? 0 }),
    ),
  )

  // Start-up: read the file back, cut a torn tail, report corrupt lines, rotate if due.
  yield* Effect.tryPromise({
    try: async () => {
      const contents = await readJournal(path)
      if (contents.goodBytes < contents.size) await truncateJournal(path, contents.goodBytes)
      return contents
    },
    catch: (error) => error,
  }).pipe(
    Effect.tap((c) =>
      c.goodBytes < c.size
        ? logEvent("Warn", "history: dropped a torn or invalid last record (a crash during a write)", {
            path,
            bytes: c.size - c.goodBytes,
          })
        : Effect.void,
    ),
    Effect.tap((c) => Ref.set(last, c.entries.at(-1))),
    Effect.tap((c) => hold(c.entries)),
    Effect.tap((c) =>
      c.corrupt > 0
        ? logEvent("Warn", "history: skipped corrupt records; the next rotation drops them", {
            path,
            lines: c.corrupt,
          })
        : Effect.void,
    ),
    Effect.flatMap((c) =>
      keepLast(c.entries, limit).length + slack <= c.entries.length
        ? lock.withPermits(1)(rotate)
        : Ref.set(counts, { lines: c.entries.length, kept: c.entries.length }),
    ),
    Effect.catch((error) => warnOnce("read", error)),
  )

  const write = (entry: HistoryEntry) =>
    lock.withPermits(1)(
      Effect.gen(function* () {
        yield* attempt("append to", () => appendRecord(path, entry))
        const { lines, kept } = yield* Ref.updateAndGet(counts, (c) => ({ ...c, lines: c.lines + 1 }))
        if (lines >= kept + slack) yield* rotate
      }),
    )

  // A write in flight is never interrupted (it would leave a torn line for no reason):
  // writes run detached, and the scope's end waits a moment for the last ones.
  const pending = yield* Ref.make(0)
  const settled: Effect.Effect<void> = Effect.flatMap(Ref.get(pending), (n) =>
    n === 0 ? Effect.void : Effect.andThen(Effect.sleep("5 millis"), settled),
  )
  yield* Effect.addFinalizer(() => Effect.timeoutOption(settled, "2 seconds"))

  return PassJournal.of({
    record: (pass, status) =>
      Effect.gen(function* () {
        const entry = historyEntry(source, processRun, pass, status)
        if (isQuiet(entry, yield* Ref.getAndSet(last, entry))) return
        yield* hold([entry])
        yield* Ref.update(pending, (n) => n + 1)
        yield* Effect.forkDetach(write(entry).pipe(Effect.ensuring(Ref.update(pending, (n) => n - 1))))
      }),
    read: Effect.map(Ref.get(held), (h) => h.entries),
  })
})
