import { readFile } from "node:fs/promises"
import { Context, Effect, Layer, Ref } from "effect"
import { writeFileAtomic } from "../history/writeFileAtomic.ts"
import { logEvent } from "../observability/logEvent.ts"

/**
 * When each image reference was last pulled successfully, for the periodic pull
 * policies (daily, weekly, every_<duration>). Engines keep no such time (Docker's
 * LastTagTime moves on `docker tag`, Podman has none), so the daemon keeps it in
 * `<data-dir>/pulls.json`, and a restart does not re-pull everything at once.
 */
export class PullLog extends Context.Service<
  PullLog,
  {
    /** Normalized reference → epoch milliseconds of its last successful pull. */
    readonly lastPulls: Effect.Effect<ReadonlyMap<string, number>>
    /** Records successful pulls; a failure to persist is logged, never fatal (it costs a pull). */
    readonly record: (refs: ReadonlyArray<string>, at: number) => Effect.Effect<void>
  }
>()("fleetd/reconciler/PullLog") {
  /** Kept in memory only (tests). `fleetd apply` has none: it pulls whenever a period applies. */
  static readonly memory: Layer.Layer<PullLog> = Layer.effect(
    PullLog,
    Effect.map(Ref.make<ReadonlyMap<string, number>>(new Map()), (ref) =>
      PullLog.of({
        lastPulls: Ref.get(ref),
        record: (refs, at) => Ref.update(ref, (m) => new Map([...m, ...refs.map((r) => [r, at] as const)])),
      }),
    ),
  )

  /** Persisted as JSON in `path`; a missing or unreadable file starts empty. */
  static readonly file = (path: string): Layer.Layer<PullLog> =>
    Layer.effect(
      PullLog,
      Effect.gen(function* () {
        const initial = yield* Effect.promise(() => readPulls(path))
        const ref = yield* Ref.make(initial)
        return PullLog.of({
          lastPulls: Ref.get(ref),
          record: (refs, at) =>
            Effect.gen(function* () {
              if (refs.length === 0) return
              const next = yield* Ref.updateAndGet(
                ref,
                (m) => new Map([...m, ...refs.map((r) => [r, at] as const)]),
              )
              yield* Effect.tryPromise(() => writePulls(path, next)).pipe(
                Effect.catch((error) =>
                  logEvent("Warn", "pull log: cannot save the last pull times", {
                    path,
                    error: String(error),
                  }),
                ),
              )
            }),
        })
      }),
    )
}

const readPulls = async (path: string): Promise<ReadonlyMap<string, number>> => {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, "utf8"))
    if (typeof parsed !== "object" || parsed === null) return new Map()
    return new Map(
      Object.entries(parsed).filter(
        (e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1]),
      ),
    )
  } catch {
    return new Map()
  }
}

/** Replaced atomically (writeFileAtomic), so a crash never leaves half a file. */
const writePulls = (path: string, pulls: ReadonlyMap<string, number>): Promise<void> =>
  writeFileAtomic(
    path,
    `${JSON.stringify(Object.fromEntries([...pulls].sort(([a], [b]) => (a < b ? -1 : 1))))}\n`,
  )
